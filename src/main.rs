fn main() {
    std::process::exit(kubelint::cli::main());
}
