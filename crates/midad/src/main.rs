//! The `midad` binary: reads the configuration, connects the pieces and runs one command.
//! Exit codes: 0 success, 1 input refused or the command failed, 2 usage or configuration.

mod config;
mod demo;
mod exchange;
mod newsletter;
mod ops;
mod serve;
mod users;
mod wordpress;

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "midad",
    version,
    about = "Midad (مداد): a news publishing platform for Arabic newsrooms, in one binary.",
    long_about = "Midad (مداد): a news publishing platform for Arabic newsrooms, in one binary.\n\n\
                  Midad serves a news site, its back office, search, feeds and newsletter. It keeps its data in a folder (./midad-data by default) with an embedded \
                  SQLite database, or in PostgreSQL with --database-url."
)]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args)]
struct GlobalArgs {
    /// Read settings from this TOML file (default: ./midad.toml when it exists).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Folder for the database, media and search index (default: ./midad-data).
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Database to use: sqlite://PATH or postgres://USER@HOST/DB (default: SQLite in the data folder).
    #[arg(long, global = true, value_name = "URL")]
    database_url: Option<String>,
    /// Address to listen on (default: 127.0.0.1:8080).
    #[arg(long, global = true, value_name = "ADDR")]
    listen: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the site: the public pages, the back office and the API.
    Serve {
        /// Fill an empty site with demo articles, caricatures and pages.
        #[arg(long)]
        demo: bool,
    },
    /// Import articles, caricatures and pages from a JSON Lines file (checks the whole file
    /// first; writes nothing if any line is wrong).
    Import {
        /// The .jsonl file; image paths in it are relative to the file.
        file: PathBuf,
    },
    /// Move a WordPress site: posts, pages, categories, tags, authors and images, from the
    /// export file WordPress writes (Tools → Export → All content). Old addresses keep
    /// working (301). Checks the whole file first; running it again updates, never doubles.
    ImportWordpress {
        /// The .xml export file.
        file: PathBuf,
        /// The old site's wp-content/uploads folder, to copy its images.
        #[arg(long, value_name = "DIR")]
        uploads: Option<PathBuf>,
        /// Print the report of what would be imported, and write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Posts in this category (name or slug) become caricatures.
        #[arg(long, value_name = "NAME", default_value = wordpress::CARICATURE_CATEGORY)]
        caricature_category: String,
        /// The old site's time zone (Settings → General), for drafts' dates; found from the
        /// export's dates when not given.
        #[arg(long, value_name = "ZONE")]
        timezone: Option<String>,
    },
    /// Export every article, caricature and page to a JSON Lines file, with its images in a
    /// `media` folder beside it.
    Export {
        /// The .jsonl file to write.
        file: PathBuf,
    },
    /// Manage the accounts that sign in to the back office.
    #[command(subcommand)]
    User(users::UserCommand),
    /// The newsletter: send the digest now, or see where it stands.
    #[command(subcommand)]
    Newsletter(newsletter::NewsletterCommand),
    /// Write a consistent copy of the site (database and media) to a file, even while it runs.
    Backup {
        /// The backup file to create.
        file: PathBuf,
    },
    /// Restore a backup into an empty site.
    Restore {
        /// A file written by `midad backup`.
        file: PathBuf,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Check the configuration, the database and the data folder, and say what is wrong.
    Check,
    /// Rebuild the search index from the database.
    Reindex,
}

/// How a command failed, which decides the exit code.
pub enum Failure {
    /// The input was refused; every reason is printed.
    Refused(Vec<String>),
    /// Wrong usage or configuration.
    Usage(String),
    /// Something else went wrong (database unreachable, disk full …).
    Failed(anyhow::Error),
}

impl<E: Into<anyhow::Error>> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure::Failed(e.into())
    }
}

pub type Outcome = Result<(), Failure>;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let flags = config::Flags {
        config: cli.global.config,
        data_dir: cli.global.data_dir,
        listen: cli.global.listen,
        database_url: cli.global.database_url,
    };
    let loaded = match config::load(&flags) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    init_logging(&loaded.config.log);
    for w in &loaded.warnings {
        tracing::warn!("{w}");
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let config = loaded.config;
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Serve { demo } => serve::run(&config, demo).await,
            Command::Import { file } => exchange::import_command(&config, &file).await,
            Command::Export { file } => exchange::export_command(&config, &file).await,
            Command::Newsletter(command) => newsletter::command(&config, command).await,
            Command::ImportWordpress {
                file,
                uploads,
                dry_run,
                caricature_category,
                timezone,
            } => {
                let options = wordpress::WpOptions {
                    uploads,
                    dry_run,
                    caricature_category,
                    timezone,
                    progress: true,
                };
                wordpress::command(&config, &file, options).await
            }
            Command::User(cmd) => users::run(&config, cmd).await,
            Command::Backup { file } => ops::backup(&config, &file).await,
            Command::Restore { file } => ops::restore(&config, &file).await,
            Command::Migrate => ops::migrate(&config).await,
            Command::Check => ops::check(&config).await,
            Command::Reindex => ops::reindex(&config).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Refused(reasons)) => {
            for r in reasons {
                eprintln!("{r}");
            }
            ExitCode::from(1)
        }
        Err(Failure::Usage(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(2)
        }
        Err(Failure::Failed(e)) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn init_logging(log: &config::LogConfig) {
    let filter = tracing_subscriber::EnvFilter::try_new(&log.level)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false);
    if log.format == "json" {
        builder.json().init();
    } else {
        builder.compact().init();
    }
}

/// Opens the store the configuration names, creating the data folder for SQLite and
/// applying migrations.
pub async fn open_store(config: &config::Config) -> Result<midad_store::Store, Failure> {
    let url = config.database_url();
    if url.starts_with("sqlite:") {
        std::fs::create_dir_all(&config.server.data_dir).map_err(|e| {
            Failure::Failed(anyhow::anyhow!(
                "cannot create the data folder {}: {e}",
                config.server.data_dir.display()
            ))
        })?;
    }
    midad_store::Store::open(&url).await.map_err(|e| {
        Failure::Failed(anyhow::anyhow!(
            "cannot open the database {}: {e}",
            midad_store::redact(&url)
        ))
    })
}
