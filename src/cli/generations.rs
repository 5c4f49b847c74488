//! What `sitegen status` and `sitegen rollback` print about the output's generations: the
//! live build, the standby, and which of them a rollback restores.

/// One generation as `status` shows it.
fn generation_line(g: &crate::output::Generation) -> String {
    let run = g.run.as_ref();
    let field = |k: &str| run.and_then(|r| r[k].as_str()).unwrap_or("?").to_string();
    match run {
        Some(_) => format!(
            "run {}, committed {} (sitegen {}, durability {}, publish {}), {} files",
            field("run_id"),
            field("committed"),
            field("sitegen_version"),
            field("durability"),
            field("publish"),
            g.files
        ),
        None => format!("{} files (built before runs were recorded)", g.files),
    }
}

/// `sitegen status` as text.
pub(super) fn print_status(status: &crate::site::Status) {
    let g = &status.generations;
    println!("output:   {}", status.output_dir.display());
    match &g.live {
        Some(live) => println!("live:     {}", generation_line(live)),
        None => println!("live:     nothing built yet"),
    }
    let run = g.live.as_ref().and_then(|l| l.run.as_ref());
    let published = run.and_then(|r| match (r["source"].as_str(), r["command"].as_str()) {
        (Some(dir), _) => Some(format!("published from {dir}")),
        (_, Some(command)) => Some(format!("published from `{command}`")),
        _ => None,
    });
    match (status.sources_changed, published) {
        (Some(true), _) => println!("sources:  changed since the live build"),
        (Some(false), _) => println!("sources:  unchanged since the live build"),
        (None, Some(published)) => println!("sources:  {published}"),
        (None, None) => println!("sources:  unknown (the live build did not record its inputs)"),
    }
    match (&g.standby, &g.no_standby) {
        (Some(standby), _) if g.standby_behind.is_some_and(|b| b > 1) => println!(
            "rollback: refused without --force (the standby is {} builds older than the live one): {}",
            g.standby_behind.unwrap_or_default(),
            generation_line(standby)
        ),
        (Some(standby), _) => println!("rollback: would restore {}", generation_line(standby)),
        (None, Some(why)) => println!("rollback: not possible: {why}"),
        (None, None) => println!("rollback: not possible"),
    }
}

/// What `rollback` says it did: which build is live now, and how it relates to the one it
/// replaced.
pub(super) fn rollback_line(report: &crate::output::RollbackReport) -> String {
    let how = match report.behind {
        Some(n) if n > 1 => format!("{n} builds older than"),
        _ => "the one live before".to_string(),
    };
    format!(
        "sitegen: {} now holds {}, {how} {}; run `sitegen rollback` again to swap back",
        report.output_dir.display(),
        report.restored.name_with_files(),
        report.replaced.name(),
    )
}

/// A refused rollback's error, with what a user types to restore the standby anyway (the
/// output layer's `OlderStandby::Restore`).
pub(super) fn rollback_error(e: &crate::output::OutputError) -> String {
    match e {
        crate::output::OutputError::StandbyOutdated { .. } => {
            format!("{e} (`sitegen rollback --force` restores it anyway)")
        }
        _ => e.to_string(),
    }
}
