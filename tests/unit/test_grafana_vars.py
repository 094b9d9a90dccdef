"""Grafana's template-variable interpolation for Prometheus queries.

Cases come from Grafana's own tests, as named:
- packages/grafana-prometheus/src/datasource.test.ts: "Prometheus regular escaping", "Prometheus regexes
  escaping" and "When interpolating variables" (prometheusSpecialCharsInLabelValues disabled, the default);
- grafana/scenes packages/scenes/src/variables/interpolation/formatRegistry.test.ts ("Can format values
  according to format", "queryparam");
- grafana/scenes MultiValueVariable (getValue, validation of the current value against new options) and
  sceneInterpolator (the variable pattern, an unknown variable left as written).
Python string literals double the backslashes of the TypeScript expectations one for one.
"""

from __future__ import annotations

import pytest

from harness.promql.grafana_vars import (
    ALL_VALUE,
    Scope,
    Variable,
    format_value,
    interpolate,
    prometheus_format,
    prometheus_regex_escape,
    prometheus_regular_escape,
)

# -- datasource.test.ts -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "want"),
    [
        ("cryptodepression", "cryptodepression"),  # should not escape strings without special characters
        ("looking'glass", "looking\\\\'glass"),  # should escape single quotes
        ("looking\\glass", "looking\\\\glass"),  # should escape backslashes
    ],
)
def test_prometheus_regular_escaping(value: str, want: str) -> None:
    assert prometheus_regular_escape(value) == want


@pytest.mark.parametrize(
    ("value", "want"),
    [
        ("cryptodepression", "cryptodepression"),
        ("looking{glass", "looking\\\\{glass"),
        ("looking$glass", "looking\\\\$glass"),
        ("looking\\glass", "looking\\\\\\\\glass"),
        ("looking|glass", "looking\\\\|glass"),
        ("+looking$glass?", "\\\\+looking\\\\$glass\\\\?"),  # should handle multiple special characters
    ],
)
def test_prometheus_regexes_escaping(value: str, want: str) -> None:
    assert prometheus_regex_escape(value) == want


def test_interpolating_a_single_value_variable_escapes_single_quotes_only() -> None:
    # "and value is a string": should escape single quotes
    assert prometheus_format("abc'$^*{}[]+?.()|", Variable("v")) == "abc\\\\'$^*{}[]+?.()|"


@pytest.mark.parametrize("flag", ["multi", "include_all"])
def test_interpolating_a_multi_or_all_variable_regex_escapes(flag: str) -> None:
    variable = Variable("v", **{flag: True})  # type: ignore[arg-type]
    # "should regex escape values if the value is a string"
    assert prometheus_format("looking*glass", variable) == "looking\\\\*glass"
    # "should return pipe separated values if the value is an array of strings"
    assert prometheus_format(["a|bc", "de|f"], variable) == "(a\\\\|bc|de\\\\|f)"
    # "should return 1 regex escaped value if there is just 1 value in an array of strings"
    assert prometheus_format(["looking*glass"], variable) == "looking\\\\*glass"


# -- formatRegistry.test.ts ------------------------------------------------------------------------------

SERVER = Variable("server")


@pytest.mark.parametrize(
    ("fmt", "value", "want"),
    [
        ("lucene", "foo bar", "foo\\ bar"),
        ("lucene", "-1", "-1"),
        ("lucene", "-test", "\\-test"),
        ("lucene", ["foo bar", "baz"], '("foo\\ bar" OR "baz")'),
        ("lucene", [], "__empty__"),
        ("glob", "foo", "foo"),
        ("glob", ["AA", "BB", "C.*"], "{AA,BB,C.*}"),
        ("raw", ["12", "13"], "12,13"),
        ("raw", '#Æ³ ̇¹"Ä1"#!"#!½', '#Æ³ ̇¹"Ä1"#!"#!½'),
        ("regex", "test.", "test\\."),
        ("regex", ["test."], "test\\."),
        ("regex", ["test.", "test2"], "(test\\.|test2)"),
        ("pipe", ["test", "test2"], "test|test2"),
        ("distributed", ["test"], "test"),
        ("distributed", ["test", "test2"], "test,server=test2"),
        ("csv", "test", "test"),
        ("csv", ["test", "test2"], "test,test2"),
        ("html", "<script>alert(asd)</script>", "&lt;script&gt;alert(asd)&lt;/script&gt;"),
        ("json", ["test", "12"], '["test","12"]'),
        ("json", "test", "test"),
        ("percentencode", ["foo()bar BAZ", "test2"], "%7Bfoo%28%29bar%20BAZ%2Ctest2%7D"),
        ("singlequote", "test", "'test'"),
        ("singlequote", ["test", "test'2"], "'test','test\\'2'"),
        ("doublequote", "test", '"test"'),
        ("doublequote", ["test", 'test"2'], '"test","test\\"2"'),
        ("sqlstring", "test'value", "'test''value'"),
        ("sqlstring", 'test"value', "'test\\\"value'"),
        ("sqlstring", ["test", "test'value2", 'test"value3'], "'test','test''value2','test\\\"value3'"),
        ("date", "1594671549254", "2020-07-13T20:19:09.254Z"),
        ("date:seconds", "1594671549254", "1594671549"),
        ("date:iso", "1594671549254", "2020-07-13T20:19:09.254Z"),
        ("join", "hello", "hello"),
        ("join", ["hello"], "hello"),
        ("join", ["hello", "world"], "hello,world"),
        ("join: | ", ["hello", "world"], "hello | world"),
        ("customqueryparam", ["api", "database"], "server=api&server=database"),
        ("customqueryparam:p-server:v-", ["api", "database"], "p-server=v-api&p-server=v-database"),
        ("customqueryparam:p-server", "api", "p-server=api"),
        ("customqueryparam:space & ampersand!:v& ", ["mysql&postgres", "databases!"],
         "space%20%26%20ampersand%21=v%26%20mysql%26postgres&space%20%26%20ampersand%21=v%26%20databases%21"),
        ("uriencode", "/any-path/any-second-path?query=foo()bar BAZ",
         "/any-path/any-second-path?query=foo%28%29bar%20BAZ"),
        ("queryparam", "helloAZ%=", "var-server=helloAZ%25%3D"),
    ],
)  # fmt: skip
def test_format_registry(fmt: str, value: str | list[str], want: str) -> None:
    assert format_value(value, fmt, SERVER) == want


def test_text_format_uses_the_variables_text() -> None:
    assert format_value("v", "text", Variable("server", value="v", text="display text")) == "display text"
    assert format_value(["test", "test2"], "text", Variable("s", value=["a", "b"], text=["test", "test2"])) == (
        "test + test2"
    )


# -- interpolation (sceneInterpolator, MultiValueVariable) --------------------------------------------------

OPTIONS = (("track", "track"), ("send.email", "send.email"), ("a|b", "a|b"))


def scope(**variables: Variable) -> Scope:
    return Scope(variables, from_ms=1594671549254, to_ms=1594671609254)


def test_every_syntax_finds_the_variable_and_unknown_ones_stay() -> None:
    s = scope(job=Variable("job", value="cio", text="cio"))
    assert interpolate("$job ${job} [[job]] ${job:raw} [[job:raw]] $jobs ${nope} $__unknown", s) == (
        "cio cio cio cio cio $jobs ${nope} $__unknown"
    )


def test_all_without_custom_value_is_every_option_escaped() -> None:
    op = Variable("op", "query", ALL_VALUE, "All", multi=True, include_all=True, options=OPTIONS)
    assert interpolate('x{op=~"$op"}', scope(op=op)) == 'x{op=~"(track|send\\\\.email|a\\\\|b)"}'
    assert interpolate("${op:csv} ${op:text}", scope(op=op)) == "track,send.email,a|b All"


def test_all_with_custom_value_is_used_raw_and_interpolated() -> None:
    op = Variable("op", "query", [ALL_VALUE], "All", multi=True, include_all=True, all_value=".*$sfx", options=OPTIONS)
    sfx = Variable("sfx", value="x", text="x")
    assert interpolate('x{op=~"$op"} ${op:text} ${op:regex}', scope(op=op, sfx=sfx)) == 'x{op=~".*x"} All .*x'


def test_a_single_value_is_escaped_when_the_variable_is_multi_or_all() -> None:
    multi = Variable("op", value=["send.email"], multi=True, options=OPTIONS)
    plain = Variable("op", value="send.email", options=OPTIONS)
    assert interpolate("$op", scope(op=multi)) == "send\\\\.email"
    assert interpolate("$op", scope(op=plain)) == "send.email"


def test_interval_built_ins_are_left_for_the_backend_and_time_macros_are_epoch_ms() -> None:
    s = scope()
    assert interpolate("[${__interval}] [$__interval_ms] [$__rate_interval] [$__range]", s) == (
        "[$__interval] [$__interval_ms] [$__rate_interval] [$__range]"
    )
    assert interpolate("$__from ${__to:date:seconds}", s) == "1594671549254 1594671609"


def test_a_current_value_no_longer_offered_falls_back_as_grafana_does() -> None:
    single = Variable("op", value="gone", text="gone").with_options(OPTIONS)
    assert (single.value, single.text) == ("track", "track")
    multi = Variable("op", value=["gone", "a|b"], multi=True).with_options(OPTIONS)
    assert multi.value == ["a|b"]
    none_left = Variable("op", value=["gone"], multi=True).with_options(OPTIONS)
    assert none_left.value == ["track"]
    all_kept = Variable("op", value=ALL_VALUE, include_all=True).with_options(OPTIONS)
    assert all_kept.is_all() and all_kept.resolved() == ["track", "send.email", "a|b"]
    empty = Variable("op", value="x", include_all=True).with_options([])
    assert empty.is_all() and prometheus_format(empty.resolved(), empty) == "()"  # type: ignore[arg-type]
