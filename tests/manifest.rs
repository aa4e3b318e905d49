//! Application manifests: every error names its line and key and nothing starts; the
//! example trees load and run.

use std::path::Path;
use std::process::Command;

use hatchery::manifest::{ManifestError, parse};
use hatchery::supervisor::{ChildStart, Strategy};
use hatchery_tests::{hatchery_bin, root};

const MODULES: &[&str] = &["kv", "idle"];

fn check(text: &str) -> Result<hatchery::manifest::Application, ManifestError> {
    parse(Path::new("apps/x/hatchery.toml"), text, &|m| {
        MODULES.contains(&m)
    })
}

fn err(text: &str) -> ManifestError {
    check(text).expect_err("the manifest is refused")
}

const HEAD: &str = "[application]\nname = \"x\"\nroot = \"main\"\n\n[supervisor.main]\nstrategy = \"one_for_one\"\n";

#[test]
fn an_unknown_module_is_named_with_its_line_and_key() {
    let e = err(&format!(
        "{HEAD}\n[[supervisor.main.child]]\nid = \"a\"\nmodule = \"kvv\"\n"
    ));
    assert_eq!(
        (e.line, e.key.as_str()),
        (10, "supervisor.main.child[0].module"),
        "{e}"
    );
    assert!(e.message.contains("unknown module `kvv`"), "{e}");
    assert!(
        e.to_string().starts_with("apps/x/hatchery.toml:10: "),
        "{e}"
    );
}

#[test]
fn a_duplicate_child_id_is_refused() {
    let child = "\n[[supervisor.main.child]]\nid = \"a\"\nmodule = \"kv\"\n";
    let e = err(&format!("{HEAD}{child}{child}"));
    assert_eq!(
        (e.line, e.key.as_str()),
        (13, "supervisor.main.child[1].id"),
        "{e}"
    );
    assert!(e.message.contains("duplicate child id `a`"), "{e}");
}

#[test]
fn a_bad_strategy_restart_or_shutdown_is_refused() {
    let e = err(
        "[application]\nname = \"x\"\nroot = \"main\"\n[supervisor.main]\nstrategy = \"one_for_none\"\n",
    );
    assert_eq!(
        (e.line, e.key.as_str()),
        (5, "supervisor.main.strategy"),
        "{e}"
    );
    let e = err(&format!(
        "{HEAD}[[supervisor.main.child]]\nid = \"a\"\nmodule = \"kv\"\nrestart = \"sometimes\"\n"
    ));
    assert_eq!(e.key, "supervisor.main.child[0].restart", "{e}");
    let e = err(&format!(
        "{HEAD}[[supervisor.main.child]]\nid = \"a\"\nmodule = \"kv\"\nshutdown = \"politely\"\n"
    ));
    assert_eq!(e.key, "supervisor.main.child[0].shutdown", "{e}");
}

#[test]
fn a_cyclic_tree_is_refused() {
    let text = "[application]\nname = \"x\"\nroot = \"a\"\n\
        [supervisor.a]\nstrategy = \"one_for_one\"\n[[supervisor.a.child]]\nid = \"to_b\"\nsupervisor = \"b\"\n\
        [supervisor.b]\nstrategy = \"one_for_one\"\n[[supervisor.b.child]]\nid = \"to_a\"\nsupervisor = \"a\"\n";
    let e = err(text);
    assert_eq!(e.key, "supervisor.b.child[0].supervisor", "{e}");
    assert!(e.message.contains("cyclic: a -> b -> a"), "{e}");
}

#[test]
fn malformed_toml_and_missing_or_unknown_keys_are_refused() {
    let e = err("[application\nname = 1\n");
    assert_eq!(e.line, 1, "{e}");
    let e = err("[application]\nname = \"x\"\n");
    assert!(e.message.contains("root"), "{e}");
    let e = err(&format!("{HEAD}colour = \"blue\"\n"));
    assert_eq!((e.line, e.key.as_str()), (7, "colour"), "{e}");
    let e = err("[application]\nname = \"x\"\nroot = \"nowhere\"\n");
    assert_eq!((e.line, e.key.as_str()), (3, "application.root"), "{e}");
    let e = err(&format!(
        "{HEAD}[[supervisor.main.child]]\nid = \"both\"\nmodule = \"kv\"\nsupervisor = \"main\"\n"
    ));
    assert!(e.message.contains("exactly one of"), "{e}");
}

#[test]
fn the_example_tree_uses_all_three_strategies() {
    let path = root().join("apps/tree/hatchery.toml");
    let text = std::fs::read_to_string(&path).expect("apps/tree/hatchery.toml");
    let app = parse(&path, &text, &|m| MODULES.contains(&m)).expect("valid");
    assert_eq!(app.root.strategy, Strategy::OneForOne);
    let nested: Vec<Strategy> = app
        .root
        .children
        .iter()
        .filter_map(|c| match &c.start {
            ChildStart::Supervisor(s) => Some(s.strategy),
            ChildStart::Worker { .. } => None,
        })
        .collect();
    assert_eq!(nested, [Strategy::RestForOne, Strategy::OneForAll]);
}

#[test]
fn the_cli_refuses_a_bad_manifest_and_starts_nothing() {
    let dir = hatchery_tests::temp_dir("manifest");
    let modules = hatchery_tests::modules_dir();
    std::fs::write(
        dir.join("hatchery.toml"),
        format!("[application]\nname = \"bad\"\nmodules = {:?}\nroot = \"main\"\n{}\n[[supervisor.main.child]]\nid = \"a\"\nmodule = \"no_such\"\n", modules.display().to_string(), &HEAD[HEAD.find("[supervisor").unwrap_or(0)..]),
    )
    .expect("write");
    let out = Command::new(hatchery_bin())
        .arg("run")
        .arg(&dir)
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "hatchery.toml:10: `supervisor.main.child[0].module`: unknown module `no_such`"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains("started application"), "{stderr}");
}

#[test]
fn the_cli_runs_the_example_tree_and_stops_it_in_order() {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(hatchery_bin())
        .arg("run")
        .arg(root().join("apps/tree"))
        .args(["--max-processes", "500"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start");
    let mut lines = BufReader::new(child.stderr.take().expect("piped")).lines();
    // What the node printed before it started, to show if it never does.
    let mut before = Vec::new();
    let mut started = false;
    for line in lines.by_ref() {
        let line = line.expect("utf-8");
        if line.contains("started application tree") {
            started = true;
            break;
        }
        before.push(line);
    }
    if !started {
        let status = child.wait().expect("exits");
        panic!("the node ended before it started the tree ({status}): {before:#?}");
    }
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    let rest: Vec<String> = lines.map(|l| l.expect("utf-8")).collect();
    assert_eq!(child.wait().expect("exits").code(), Some(0), "{rest:#?}");
    let exits: Vec<&String> = rest.iter().filter(|l| l.starts_with("exit ")).collect();
    assert_eq!(exits.len(), 10, "{rest:#?}");
    assert!(
        exits.iter().any(|l| l.contains("idle: killed")),
        "the brutal_kill child: {rest:#?}"
    );
    assert!(
        exits[exits.len() - 2].contains("native:supervisor: shutdown"),
        "the root goes last: {rest:#?}"
    );
}

#[test]
fn out_of_range_values_are_refused() {
    let e = err(
        "[application]\nname = \"x\"\nroot = \"main\"\n[supervisor.main]\nstrategy = \"one_for_one\"\nperiod_ms = 0\n",
    );
    assert_eq!(e.key, "supervisor.main.period_ms", "{e}");
    let e =
        err(&format!("{HEAD}[limits]\nmailbox_overflow = \"explode\"\n")
            .replacen("[limits]", "", 0));
    assert_eq!(e.key, "limits.mailbox_overflow", "{e}");
    let e = err(&HEAD.replace(
        "[supervisor.main]",
        "[limits]\nmax_memory_mib = 99999\n[supervisor.main]",
    ));
    assert_eq!(e.key, "limits.max_memory_mib", "{e}");
    let e = err(&HEAD.replace(
        "[supervisor.main]",
        "[limits]\nupgrade_policy = \"sometimes\"\n[supervisor.main]",
    ));
    assert_eq!(e.key, "limits.upgrade_policy", "{e}");
}

#[test]
fn cpu_caps_for_the_node_and_per_child() {
    let text = "[application]\nname = \"x\"\nroot = \"main\"\nmodules = \"m\"\n\
        [limits]\ncallback_cpu_limit_ms = 250\n\
        [supervisor.main]\nstrategy = \"one_for_one\"\n\
        [[supervisor.main.child]]\nid = \"slow\"\nmodule = \"kv\"\ncallback_cpu_limit_ms = 0\n\
        [[supervisor.main.child]]\nid = \"plain\"\nmodule = \"kv\"\n";
    let app = check(text).expect("the manifest is accepted");
    let config = app.config(hatchery::NodeConfig::default());
    assert_eq!(
        config.callback_cpu_limit,
        Some(std::time::Duration::from_millis(250))
    );
    let caps: Vec<_> = app
        .root
        .children
        .iter()
        .map(|c| match &c.start {
            ChildStart::Worker {
                callback_cpu_limit, ..
            } => *callback_cpu_limit,
            ChildStart::Supervisor(_) => panic!("a worker"),
        })
        .collect();
    assert_eq!(caps, [Some(std::time::Duration::ZERO), None]);
    let no_cap = check(&text.replace("callback_cpu_limit_ms = 250", "callback_cpu_limit_ms = 0"))
        .expect("accepted");
    assert_eq!(
        no_cap
            .config(hatchery::NodeConfig::default())
            .callback_cpu_limit,
        None
    );
    let e = err(&text.replace(
        "callback_cpu_limit_ms = 250",
        "callback_cpu_limit_ms = \"soon\"",
    ));
    assert!(
        e.to_string().contains("hatchery.toml:6"),
        "the line is named: {e}"
    );
}

#[test]
fn memory_caps_per_module_and_child_folder_lists_and_what_is_loaded() {
    let text = "[application]\nname = \"x\"\nroot = \"main\"\nmodules = [\"a\", \"b\"]\nload = [\"idle\"]\n\
        [modules.kv]\nmax_memory_mib = 48\n\
        [supervisor.main]\nstrategy = \"one_for_one\"\n\
        [[supervisor.main.child]]\nid = \"k\"\nmodule = \"kv\"\nmax_memory_mib = 96\n";
    let app = check(text).expect("the manifest is accepted");
    assert_eq!(
        app.modules,
        [Path::new("apps/x/a"), Path::new("apps/x/b")],
        "folders relative to the manifest"
    );
    assert_eq!(app.uses, ["idle", "kv"], "the workers' modules and `load`");
    assert_eq!(app.module_memory.get("kv"), Some(&(48 << 20)));
    assert_eq!(app.largest_child_memory, Some(96 << 20));
    let config = app.config(hatchery::NodeConfig::default());
    assert_eq!(config.memory_for("kv"), 48 << 20);
    assert_eq!(config.memory_for("idle"), 16 << 20);
    assert_eq!(
        config.largest_memory(),
        96 << 20,
        "a child's cap sizes the slots"
    );
    match &app.root.children[0].start {
        ChildStart::Worker { max_memory, .. } => assert_eq!(*max_memory, Some(96 << 20)),
        ChildStart::Supervisor(_) => panic!("a worker"),
    }
    // Errors name the key.
    let e = err(&text.replace("[modules.kv]", "[modules.nope]"));
    assert_eq!(e.key, "modules.nope", "{e}");
    let e = err(&text.replace("max_memory_mib = 96", "max_memory_mib = 0"));
    assert_eq!(e.key, "supervisor.main.child[0].max_memory_mib", "{e}");
    let e = err(&text.replace("load = [\"idle\"]", "load = [\"ghost\"]"));
    assert_eq!(e.key, "application.load", "{e}");
    let e = err(&text.replace("modules = [\"a\", \"b\"]", "modules = []"));
    assert_eq!(e.key, "application.modules", "{e}");
}

#[test]
fn limits_set_the_caps_on_what_a_process_holds_and_presents() {
    let text = "[application]\nname = \"x\"\nroot = \"main\"\nmodules = \"m\"\n\
        [limits]\nmax_links = 7\nmax_timers = 8\nmax_forged_pids = 9\n\
        [supervisor.main]\nstrategy = \"one_for_one\"\n\
        [[supervisor.main.child]]\nid = \"kv\"\nmodule = \"kv\"\n";
    let app = check(text).expect("the manifest is accepted");
    let b = app.config(hatchery::NodeConfig::default()).budgets;
    assert_eq!((b.links, b.timers, b.forged_pids), (7, 8, 9));
    let plain = check(&text.replace("max_forged_pids = 9\n", "")).expect("accepted");
    let b = plain.config(hatchery::NodeConfig::default()).budgets;
    assert_eq!(b.forged_pids, hatchery::Budgets::default().forged_pids);
}

#[test]
fn a_cluster_table_names_the_node_and_its_server_and_refuses_strangers() {
    let text = "[application]\nname = \"x\"\nroot = \"main\"\nmodules = \"m\"\n\
        [cluster]\nnode = \"a\"\nname = \"demo\"\nnats = \"auto\"\nnet_ticktime_ms = 2000\n\
        [supervisor.main]\nstrategy = \"one_for_one\"\n\
        [[supervisor.main.child]]\nid = \"kv\"\nmodule = \"kv\"\n";
    let app = check(text).expect("the manifest is accepted");
    let c = app.cluster.expect("a [cluster] table");
    assert_eq!(
        (c.node.as_deref(), c.name.as_deref(), c.nats.as_deref()),
        (Some("a"), Some("demo"), Some("auto"))
    );
    assert_eq!(c.net_ticktime_ms, Some(2000));
    let e = check(&text.replace("nats = \"auto\"", "cookie = \"secret\""))
        .expect_err("a cookie does not belong in a file that is committed");
    assert!(e.to_string().contains("cookie"), "{e}");
    assert!(
        check(&text.replace(
            "[cluster]\nnode = \"a\"\nname = \"demo\"\nnats = \"auto\"\nnet_ticktime_ms = 2000\n",
            ""
        ))
        .expect("accepted")
        .cluster
        .is_none()
    );
}
