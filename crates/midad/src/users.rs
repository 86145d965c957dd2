//! `midad user …`: accounts of the back office, managed from the command line (the first
//! owner, a forgotten password, a role change).

use crate::{Failure, Outcome, config::Config, open_store};
use clap::Subcommand;
use midad_core::{Role, password};
use midad_store::NewUser;
use std::io::BufRead;

#[derive(Subcommand)]
pub enum UserCommand {
    /// Create an account (and a byline of the same name for it).
    Add {
        #[arg(long)]
        email: String,
        /// The name shown in the back office and on the byline.
        #[arg(long)]
        name: String,
        /// owner, admin, editor, author or contributor.
        #[arg(long)]
        role: String,
        /// Read the password from the first line of standard input instead of asking.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List every account.
    List,
    /// Set an account's password.
    Passwd {
        #[arg(long)]
        email: String,
        /// Read the password from the first line of standard input instead of asking.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Change an account's role.
    Role {
        #[arg(long)]
        email: String,
        /// owner, admin, editor, author or contributor.
        #[arg(long)]
        role: String,
    },
}

fn parse_role(s: &str) -> Result<Role, Failure> {
    Role::parse(s.trim()).ok_or_else(|| {
        Failure::Refused(vec![format!(
            "role «{s}» is unknown; expected owner, admin, editor, author or contributor"
        )])
    })
}

fn read_password(from_stdin: bool) -> Result<String, Failure> {
    let pw = if from_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        line.trim_end_matches(['\r', '\n']).to_string()
    } else {
        let first = rpassword::prompt_password("Password: ")?;
        let again = rpassword::prompt_password("Password again: ")?;
        if first != again {
            return Err(Failure::Refused(vec!["the two passwords differ".into()]));
        }
        first
    };
    password::check_strength(&pw).map_err(|e| Failure::Refused(vec![e.to_string()]))?;
    Ok(pw)
}

fn hash(pw: &str) -> Result<String, Failure> {
    password::hash(pw).map_err(|e| Failure::Failed(anyhow::anyhow!("cannot hash: {e}")))
}

fn refused(e: midad_store::StoreError) -> Failure {
    match e {
        midad_store::StoreError::Invalid(v) => {
            Failure::Refused(v.0.iter().map(|e| e.to_string()).collect())
        }
        other => Failure::Failed(other.into()),
    }
}

pub async fn run(config: &Config, cmd: UserCommand) -> Outcome {
    // Check what the command line says before touching the database.
    let store = open_store(config).await?;
    let result = match cmd {
        UserCommand::Add {
            email,
            name,
            role,
            password_stdin,
        } => {
            let role = parse_role(&role)?;
            midad_core::model::validate_email(&email)
                .map_err(|e| Failure::Refused(vec![e.to_string()]))?;
            let pw = read_password(password_stdin)?;
            let mut tx = store.begin().await?;
            let author = tx.author_by_name_or_create(&name).await.map_err(refused)?;
            let user = tx
                .insert_user(NewUser {
                    email,
                    name,
                    role,
                    password_hash: Some(hash(&pw)?),
                    author_id: Some(author.id),
                })
                .await
                .map_err(refused)?;
            tx.commit().await?;
            println!("created {} ({}) as {}", user.email, user.name, user.role);
            Ok(())
        }
        UserCommand::List => {
            let users = store.users().await?;
            if users.is_empty() {
                println!("no accounts yet; create the owner with: midad user add --role owner …");
            }
            for u in users {
                println!(
                    "{}\t{}\t{}\t{}{}",
                    u.id,
                    u.email,
                    u.role,
                    u.name,
                    if u.password_hash.is_none() {
                        "\t(no password: must reset)"
                    } else {
                        ""
                    }
                );
            }
            Ok(())
        }
        UserCommand::Passwd {
            email,
            password_stdin,
        } => {
            let user = store.user_by_email(&email).await?.ok_or_else(|| {
                Failure::Refused(vec![format!("no account has the email «{email}»")])
            })?;
            let pw = read_password(password_stdin)?;
            let mut tx = store.begin().await?;
            tx.set_user_password(user.id, &hash(&pw)?)
                .await
                .map_err(refused)?;
            tx.commit().await?;
            println!("password of {} changed", user.email);
            Ok(())
        }
        UserCommand::Role { email, role } => {
            let role = parse_role(&role)?;
            let user = store.user_by_email(&email).await?.ok_or_else(|| {
                Failure::Refused(vec![format!("no account has the email «{email}»")])
            })?;
            let owners = store
                .users()
                .await?
                .iter()
                .filter(|u| u.role == Role::Owner && !u.disabled)
                .count();
            if user.role == Role::Owner && role != Role::Owner && owners <= 1 {
                return Err(Failure::Refused(vec![format!(
                    "{} is the only owner; make someone else owner first",
                    user.email
                )]));
            }
            let mut tx = store.begin().await?;
            tx.set_user_role(user.id, role).await.map_err(refused)?;
            tx.commit().await?;
            println!("{} is now {}", user.email, role);
            Ok(())
        }
    };
    store.close().await;
    result
}
