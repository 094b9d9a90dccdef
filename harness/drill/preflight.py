"""Everything a drill reads, checked before anything starts: each problem as ``file:line: what; expected ...``.

After the scenario's own shape (pydantic), this checks what it refers to: the alerts its expectations name are
in its rule files, its profile loads and its faults aim at what the profile has, its budgets fit their phases,
its compression keeps the scrape interval at 100 ms or more, and the files it reads are what their programs
accept: rules (promtool), the Alertmanager config (amtool, reported at the user's own file and line), dashboards
(JSON) and the locustfile (Python that compiles).
"""

from __future__ import annotations

import difflib

import yaml

from harness.drill.expectations import SilentExpectation
from harness.drill.model import Scenario, max_compression
from harness.drill.plan import compress_alertmanager_config
from harness.errors import InputError, Problem
from harness.promql.amtool import check_config
from harness.promql.dashboards import load as load_dashboard
from harness.promql.duration import human_duration, parse_duration_s
from harness.promql.promtool import check_rule_files
from harness.stub.fault_targets import fault_problems
from harness.stub.profile import Profile, ProfileError, load_profile
from harness.yamlsrc import YamlDoc


def preflight(scenario: Scenario, doc: YamlDoc, programs: bool = True, aim_faults: bool = True) -> list[Problem]:
    """Every problem found; ``programs=False`` skips promtool and amtool, ``aim_faults=False`` checking each
    fault against the profile (the linter runs them itself)."""
    problems = _alert_references(scenario, doc)
    profile, found = _profile(scenario, doc)
    problems += found
    problems += _faults(scenario, doc, profile if aim_faults else None)
    problems += _probes(scenario, doc, profile)
    problems += _budgets(scenario, doc)
    problems += _compression(scenario, doc)
    problems += _dashboards(scenario, doc)
    problems += _locustfile(scenario, doc)
    problems += _alertmanager(scenario, doc, programs)
    if programs and not problems:
        try:
            check_rule_files(scenario.rules)
        except InputError as exc:
            problems += exc.problems
    return problems


def _alert_references(scenario: Scenario, doc: YamlDoc) -> list[Problem]:
    problems: list[Problem] = []
    alerts: set[str] = set()
    readable = True
    for i, rules in enumerate(scenario.rules):
        try:
            groups = (yaml.safe_load(rules.read_text(encoding="utf-8")) or {}).get("groups") or []
            alerts |= {str(r["alert"]) for g in groups for r in g.get("rules") or [] if "alert" in r}
        except OSError:
            readable = False  # reported as a missing file already
        except (yaml.YAMLError, AttributeError, TypeError, UnicodeDecodeError) as exc:
            readable = False
            reason = "not UTF-8 text" if isinstance(exc, UnicodeDecodeError) else str(exc).splitlines()[0]
            problems.append(doc.problem(("rules", i), f"rule file unreadable ({reason}); expected groups: [...]"))
    seen: set[str] = set()
    for pi, phase in enumerate(scenario.phases):
        if phase.name in seen:
            problems.append(doc.problem(("phases", pi, "name"), f"phase {phase.name!r} repeated; expected unique"))
        seen.add(phase.name)
        if not readable or not scenario.rules:
            continue  # one problem per broken rule file, not one per expectation that names an alert
        for ei, exp in enumerate(phase.expect):
            loc = ("phases", pi, "expect", ei, exp.kind)
            names = exp.alert_names() if isinstance(exp, SilentExpectation) else [exp.alert]
            for name in names:
                if name and name not in alerts:
                    close = difflib.get_close_matches(name, sorted(alerts), n=1)
                    hint = f"did you mean {close[0]!r}?" if close else f"known: {', '.join(sorted(alerts))}"
                    problems.append(doc.problem(loc, f"alert {name!r} is in no rule file; expected one ({hint})"))
    return problems


def _profile(scenario: Scenario, doc: YamlDoc) -> tuple[Profile | None, list[Problem]]:
    if scenario.target.profile is None:
        return None, []
    try:
        return load_profile(scenario.target.profile, scenario.base_dir), []
    except ProfileError as exc:
        if all(not p.file for p in exc.problems):  # not found: the scenario's line says so
            return None, [doc.problem(("target", "profile"), p.message) for p in exc.problems]
        here = doc.problem(("target", "profile"), f"profile {scenario.target.profile!r} cannot be used (below)")
        return None, [here, *exc.problems]


def _faults(scenario: Scenario, doc: YamlDoc, profile: Profile | None) -> list[Problem]:
    problems: list[Problem] = []
    target = scenario.target
    lanes = {chr(ord("a") + i) for i in range(min(target.lanes, 26))} if target.lanes <= 26 else \
        {str(i) for i in range(target.lanes)}  # fmt: skip
    for pi, phase in enumerate(scenario.phases):
        for fi, fault in enumerate(phase.faults):
            loc = ("phases", pi, "faults", fi)
            if target.url is not None and not target.fault_api:
                problems.append(doc.problem(loc, "faults need a service that takes them: this url target was not "
                                            "started by firedrill; if it serves firedrill's fault-control API "
                                            "(README: The fault-control API), set target.fault_api: true"))  # fmt: skip
                return problems
            for lane in fault.lanes or []:
                if lane not in lanes:
                    problems.append(doc.problem((*loc, "lanes"), f"lane {lane!r} does not exist; the target has "
                                                f"lanes {', '.join(sorted(lanes))}"))  # fmt: skip
            if profile is not None:
                problems += [doc.problem((*loc, field), f"{message}; fix the fault or the profile")
                             for field, message in fault_problems(fault, profile)]  # fmt: skip
    return problems


def _probes(scenario: Scenario, doc: YamlDoc, profile: Profile | None) -> list[Problem]:
    """Each ``blackbox:`` entry is a service of the profile or an http(s) URL."""
    services = profile.service_names if profile is not None else []
    problems = []
    for i, entry in enumerate(scenario.blackbox):
        if entry.startswith(("http://", "https://")) or entry in services:
            continue
        known = f"a service of the profile ({', '.join(services)}) or " if services else ""
        problems.append(doc.problem(("blackbox", i), f"{entry!r} is not something to probe; expected {known}"
                                    "an http(s) URL"))  # fmt: skip
    return problems


def _budgets(scenario: Scenario, doc: YamlDoc) -> list[Problem]:
    problems: list[Problem] = []
    for pi, phase in enumerate(scenario.phases):
        for ei, exp in enumerate(phase.expect):
            within = getattr(exp, "within", None)
            if within is None:
                continue
            loc = ("phases", pi, "expect", ei, "within")
            if within <= 0:
                problems.append(doc.problem(loc, "within is 0; expected a positive budget like 5m"))
            elif within > phase.duration:
                problems.append(doc.problem(loc, f"within {human_duration(within)} is longer than phase "
                                            f"{phase.name} ({human_duration(phase.duration)}), which ends first; "
                                            "expected a budget that fits the phase"))  # fmt: skip
    return problems


def _compression(scenario: Scenario, doc: YamlDoc) -> list[Problem]:
    problems = []
    for key in ("scrape_interval", "evaluation_interval"):
        if getattr(scenario, key) <= 0:
            problems.append(doc.problem((key,), f"{key} is 0; expected a positive duration like 15s"))
    if problems:
        return problems
    bound = max_compression(scenario.scrape_interval, scenario.evaluation_interval)
    if scenario.compress > bound:
        return [doc.problem(("compress",), f"compress {scenario.compress:g} makes the scrape interval "
                            f"{scenario.scrape_interval / scenario.compress * 1000:.1f} ms; the largest factor is "
                            f"{bound:g} (intervals of 100 ms or more)")]  # fmt: skip
    return []


def _dashboards(scenario: Scenario, doc: YamlDoc) -> list[Problem]:
    """Dashboards as firedrill provisions them: valid JSON that Grafana's file provisioning would load (an API
    export unwrapped, ``__inputs`` resolvable to the provisioned datasources, a title, a valid uid)."""
    paths = list(scenario.dashboards)
    paths += [exp.dashboard for p in scenario.phases for exp in p.expect if hasattr(exp, "dashboard")]
    problems: list[Problem] = []
    for path in dict.fromkeys(paths):
        if not path.is_file():
            continue  # reported as a missing file already
        try:
            load_dashboard(path)
        except InputError as exc:
            problems += exc.problems
    return problems


def _locustfile(scenario: Scenario, doc: YamlDoc) -> list[Problem]:
    if scenario.load is None:
        return []
    path = scenario.load.locustfile
    try:
        source = path.read_text(encoding="utf-8")
    except OSError:
        return []
    except UnicodeDecodeError:
        return [Problem(str(path), 0, "not UTF-8 text; expected a Python locustfile")]
    try:
        compile(source, str(path), "exec")
    except SyntaxError as exc:
        return [Problem(str(path), exc.lineno or 0, f"{exc.msg}; fix the locustfile")]
    return []


_ROUTE_DURATIONS = ("group_wait", "group_interval", "repeat_interval")


def _alertmanager(scenario: Scenario, doc: YamlDoc, programs: bool) -> list[Problem]:
    path = scenario.alertmanager
    if path is None or not path.is_file():
        return []
    try:
        am = YamlDoc.load(path)
    except UnicodeDecodeError:
        return [Problem(str(path), 0, "not UTF-8 text; expected an Alertmanager YAML config")]
    except InputError as exc:
        return exc.problems
    duplicates = am.duplicate_keys()  # YAML keeps the last; Alertmanager refuses the file: say which key, where
    if duplicates:
        return duplicates
    if not isinstance(am.data, dict) or not isinstance(am.data.get("route"), dict):
        return [am.problem((), "an Alertmanager config needs a top-level route: mapping; add one")]
    problems = _durations(am, ("global",), ("resolve_timeout",)) + _route_durations(am, am.data["route"], ("route",))
    if problems:
        return problems
    try:
        compress_alertmanager_config(path.read_text(encoding="utf-8"), scenario.compress)
    except ValueError as exc:
        return [Problem(str(path), 0, f"{exc}; fix the config")]
    found = check_config(path) if programs else None
    return [found] if found is not None else []


def _durations(am: YamlDoc, at: tuple[str | int, ...], keys: tuple[str, ...]) -> list[Problem]:
    node = am.data
    for part in at:
        node = node.get(part) if isinstance(node, dict) else None
    problems = []
    for key in keys:
        value = node.get(key) if isinstance(node, dict) else None
        if value is None:
            continue
        try:
            parse_duration_s(str(value))
        except ValueError:
            problems.append(am.problem((*at, key), f"{key}: {value!r} is not a duration; expected e.g. 30s or 5m"))
    return problems


def _route_durations(am: YamlDoc, route: dict[str, object], at: tuple[str | int, ...]) -> list[Problem]:
    problems = _durations(am, at, _ROUTE_DURATIONS)
    children = route.get("routes")
    for index, child in enumerate(children if isinstance(children, list) else []):
        if isinstance(child, dict):
            problems += _route_durations(am, child, (*at, "routes", index))
    return problems
