//! Synthetic captures of an election-office network (see `pcaps/README.md`).

/// Arguments of `sensor generate`.
#[derive(clap::Args, Debug, Clone)]
pub struct GenerateArgs {}

pub fn run(args: &GenerateArgs) -> Result<(), Box<dyn std::error::Error>> {
    let _ = args;
    Err("generator not built yet".into())
}
