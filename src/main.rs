fn main() {
    std::process::exit(tlsviz::cli::main());
}
