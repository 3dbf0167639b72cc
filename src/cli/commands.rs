//! The commands whose arguments need more than one library call: each
//! reads its arguments, calls the library, and returns what to print.

use std::io::{IsTerminal, Write};

use clap::error::ErrorKind;

use onus::command::{
    self, policy_or_default, EstateFormat, Explanation, ExportRequest, InventoryChoice, Output,
    Unmapped,
};
use onus::{BatchOptions, BatchSummary};

use super::{
    decision_fields, usage, DiffArgs, EstateArgs, EvalArgs, ExportArgs, Failure, SchemaArgs,
};

pub(super) fn eval(mut args: EvalArgs) -> Result<Output, Failure> {
    (args.policy, args.scenario) = command::eval_arguments(args.policy, args.scenario);
    let policy = policy_or_default(args.policy.as_deref())?;
    if args.partial {
        let (given, id) = policy.read_partial_scenario(args.scenario.as_deref(), &args.set)?;
        return Ok(command::eval_partial(
            &policy,
            &given,
            id.as_ref(),
            args.format,
        ));
    }
    let Some(input) = &args.batch else {
        let (scenario, id) = policy.read_scenario(args.scenario.as_deref(), &args.set)?;
        let explain = match args.explain {
            true => Explanation::Shown,
            false => Explanation::Hidden,
        };
        let (format, id) = (args.format, id.as_ref());
        return Ok(command::eval(&policy, &scenario, id, format, explain));
    };
    if let Some(scenario) = &args.scenario {
        let message = format!("`--batch` reads its scenarios from `{input}`; drop `{scenario}`");
        return Err(usage(ErrorKind::ArgumentConflict, &message));
    }
    // The records stream to stdout as they are evaluated; the summary goes
    // to stderr.
    let overrides = policy.settings("--set", &args.set)?;
    let options = BatchOptions {
        jobs: usize::from(args.jobs),
        overrides: &overrides,
        fields: decision_fields(&args.fields),
    };
    let show_progress = std::io::stderr().is_terminal();
    let progress = |records: u64| {
        if show_progress {
            let _ = write!(std::io::stderr(), "{}", BatchSummary::progress(records));
        }
    };
    let output = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let result = onus::run_batch_from(&policy, input, output, &options, progress);
    if show_progress {
        let _ = write!(std::io::stderr(), "{}", BatchSummary::PROGRESS_CLEARED);
    }
    let (summary, closed_early) = match result {
        // A closed stdout (`onus ... | head`) ends the run early, and the
        // records evaluated by then set the exit code.
        Err(onus::BatchError::ClosedOutput(summary)) => (summary, true),
        Err(onus::BatchError::Failed(report)) => return Err(report.into()),
        Ok(summary) => (summary, false),
    };
    let _ = write!(std::io::stderr(), "{}", summary.finished_line(closed_early));
    Ok(Output {
        outcome: summary.outcome(),
        ..Output::default()
    })
}

pub(super) fn diff(args: DiffArgs) -> Result<Output, Failure> {
    if args.from.is_empty() && args.to.is_empty() {
        if !args.set.is_empty() {
            let message = "`--set` goes with `--from` and `--to`; two policies are compared over every scenario";
            return Err(usage(ErrorKind::ArgumentConflict, message));
        }
        let [old, new] = args.policies.as_slice() else {
            let message = "give two policies to compare, or one policy with `--from` and `--to`";
            return Err(usage(ErrorKind::WrongNumberOfValues, message));
        };
        let (old, new) = (policy_or_default(Some(old))?, policy_or_default(Some(new))?);
        return Ok(command::diff_policies(&old, &new, args.format));
    }
    if args.from.is_empty() || args.to.is_empty() {
        let message = "give both `--from` and `--to`: the two scenarios to compare";
        return Err(usage(ErrorKind::MissingRequiredArgument, message));
    }
    if args.policies.len() > 1 {
        let message = "`--from` and `--to` compare two scenarios under one policy";
        return Err(usage(ErrorKind::ArgumentConflict, message));
    }
    let policy = policy_or_default(args.policies.first().map(String::as_str))?;
    let (set, from, to) = (&args.set, &args.from, &args.to);
    Ok(command::diff_scenarios(
        &policy,
        set,
        from,
        to,
        args.format,
    )?)
}

pub(super) fn schema(args: SchemaArgs) -> Result<Output, Failure> {
    if !args.fields.is_empty() && args.name != "batch-record" {
        let message = "`--fields` goes with the `batch-record` schema only";
        return Err(usage(ErrorKind::ArgumentConflict, message));
    }
    let text = match (&args.policy, args.name.as_str()) {
        (Some(policy), "scenario") => onus::scenario_schema(&policy_or_default(Some(policy))?),
        (Some(_), _) => {
            let message = "`--policy` goes with the `scenario` schema only";
            return Err(usage(ErrorKind::ArgumentConflict, message));
        }
        (None, "batch-record") => onus::batch_record_schema(decision_fields(&args.fields)),
        (None, name) => onus::schema(name).expect("clap allows only known names"),
    };
    Ok(Output {
        text,
        ..Output::default()
    })
}

pub(super) fn estate(args: EstateArgs) -> Result<Output, Failure> {
    let unmapped = args.deny.unwrap_or(Unmapped::Allowed);
    let (policy, inventories) = command::estate_arguments(args.first, args.inventories);
    let Some(policy) = policy else {
        let (maps, prefer, format) = (&args.map, &args.prefer, args.format);
        let forced = args.input_format;
        return Ok(command::estate_routed(
            maps,
            &inventories,
            forced,
            format,
            unmapped,
            prefer,
        )?);
    };
    if inventories.is_empty() {
        let message = "give the inventories to answer after the policy";
        return Err(usage(ErrorKind::MissingRequiredArgument, message));
    }
    if !args.prefer.is_empty() {
        let message = "`--prefer` chooses among the built-in policies when no policy is named";
        return Err(usage(ErrorKind::ArgumentConflict, message));
    }
    let policy = onus::load_policy(&policy)?;
    if args.input_format == InventoryChoice::Ndjson && args.format == EstateFormat::Ndjson {
        let output = std::io::stdout().lock();
        let (summary, outcome) =
            command::estate_stream(&policy, &args.map, &inventories, unmapped, output)?;
        let _ = write!(std::io::stderr(), "{}", summary.finished_line());
        return Ok(Output {
            outcome,
            ..Output::default()
        });
    }
    Ok(command::estate(
        &policy,
        &args.map,
        &inventories,
        args.input_format,
        args.format,
        unmapped,
    )?)
}

pub(super) fn export(args: ExportArgs) -> Result<Output, Failure> {
    let policy = onus::load_policy(&args.policy)?;
    let request = ExportRequest {
        date: args.date.as_deref(),
        profile: args.profile.as_deref(),
        baseline: args.baseline.as_deref(),
    };
    let bytes = command::export(
        &policy,
        args.map.as_deref(),
        &args.set,
        args.format,
        request,
    )?;
    if let Some(path) = &args.output {
        command::write_export(path, &bytes)?;
        return Ok(Output::default());
    }
    if let Some(refused) = args.format.refused_on_terminal() {
        if std::io::stdout().is_terminal() {
            return Err(usage(ErrorKind::ArgumentConflict, refused));
        }
    }
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(&bytes).and_then(|()| stdout.flush()) {
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Failure::Input(command::unwritable_output(&error)))
        }
        _ => Ok(Output::default()),
    }
}
