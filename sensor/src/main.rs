use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "sensor", version, about = "Network sensor for election offices")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate synthetic election-office captures.
    Generate(sensor::generate::GenerateArgs),
}

fn main() {
    let cli = Cli::parse();
    match cli.command {
        Command::Generate(args) => {
            if let Err(e) = sensor::generate::run(&args) {
                eprintln!("sensor generate: {e}");
                std::process::exit(1);
            }
        }
    }
}
