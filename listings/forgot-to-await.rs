// Calling an async function makes a future and runs none of its body. The
// compiler warns when that future is dropped unused; with `-D warnings`
// (as CI builds should) the warning is an error.

async fn greet(name: &str) -> String {
    println!("hello, {name}");
    name.to_uppercase()
}

fn main() {
    greet("world"); // forgot to await: nothing is printed
}
