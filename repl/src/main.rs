fn main() {
    eprintln!("luna: not yet able to run scripts");
    std::process::exit(1);
}
