"""The interaction model's one source: pattern expansion and the checks that refuse a bad source."""
import pytest

from skill.dev import modelgen
from skill.dev.modelgen import ModelError, build, expand


def test_choices_options_and_rules_expand_in_order():
    assert expand("(should|can) i use [some] heat", {}) == [
        "should i use some heat", "should i use heat", "can i use some heat", "can i use heat"]
    assert expand("is <pack> ok", {"pack": "ice|a heat [pad]"}) == ["is ice ok", "is a heat pad ok", "is a heat ok"]
    assert expand("a [b [c|d]] e", {}) == ["a b c e", "a b d e", "a b e", "a e"]
    assert expand("<outer> now", {"outer": "<inner> please", "inner": "help|hello"}) == [
        "help please now", "hello please now"]


def test_slots_pass_through_for_alexa():
    assert expand("is {part} numb", {}) == ["is {part} numb"]


@pytest.mark.parametrize("pattern, rules, problem", [
    ("(ice|heat", {}, "never closed"),
    ("ice|heat)", {}, "outside brackets"),
    ("ice] heat", {}, "closes nothing"),
    ("is <pack> ok", {}, "rule <pack> is defined nowhere"),
    ("<a>", {"a": "<b>", "b": "<a>"}, "loop"),
    ("(a|b|c|d|e|f|g|h|i|j) (a|b|c|d|e|f|g|h|i|j) (a|b|c|d|e|f|g|h|i|j) (a|b|c)", {}, "split it"),
])
def test_a_bad_pattern_is_named_with_its_fix(pattern, rules, problem):
    with pytest.raises(ModelError, match=problem):
        expand(pattern, rules, "HeatOrIceIntent")


def _source(**intents):
    return {"invocation": "back spasm helper", "intents": intents}


@pytest.mark.parametrize("samples, problem", [
    (["is ice OK"], "not speakable"),
    (["is ice ok for 2 days"], "not speakable"),
    (["is my {part} numb"], "does not declare"),
])
def test_unspeakable_samples_and_undeclared_slots_are_refused(samples, problem):
    with pytest.raises(ModelError, match=problem):
        build(_source(HeatOrIceIntent={"samples": samples}), "en-US")


def test_a_sample_two_intents_share_is_refused():
    source = _source(HeatOrIceIntent={"samples": ["(ice|heat) for my back"]},
                     FirstAidIntent={"samples": ["what helps [my back]", "ice for my back"]})
    with pytest.raises(ModelError, match=r"'ice for my back' .* is also a sample of HeatOrIceIntent "
                                         r"\(from its pattern '\(ice\|heat\) for my back'\)"):
        build(source, "en-US")


def test_a_locale_overrides_a_rule_and_nothing_else():
    source = _source(PainReliefIntent={"samples": ["can i take <painkiller>"]})
    source["rules"] = {"painkiller": "tylenol|acetaminophen"}
    source["locales"] = {"en-US": {}, "en-GB": {"rules": {"painkiller": "paracetamol"}}}
    samples = {locale: build(source, locale)["interactionModel"]["languageModel"]["intents"][0]["samples"]
               for locale in modelgen.locales(source)}
    assert samples == {"en-US": ["can i take tylenol", "can i take acetaminophen"], "en-GB": ["can i take paracetamol"]}


def test_the_model_budget_is_enforced(monkeypatch):
    monkeypatch.setattr(modelgen, "MODEL_BUDGET", 3)
    with pytest.raises(ModelError, match="over the budget of 3"):
        build(_source(HeatOrIceIntent={"samples": ["(a|b) (c|d)"]}), "en-US")


def test_the_model_byte_budget_is_enforced(monkeypatch):
    text = modelgen.render(build(_source(HeatOrIceIntent={"samples": ["(a|b) (c|d)"]}), "en-US"))
    monkeypatch.setattr(modelgen, "MODEL_BYTES", len(text.encode()) - 1)
    with pytest.raises(ModelError, match="over the budget of"):
        modelgen.check_size("en-US.json", text)


def test_bad_yaml_is_one_line_with_its_place(tmp_path):
    path = tmp_path / "model.yaml"
    path.write_text("intents:\n  HeatOrIceIntent: [\n")
    with pytest.raises(ModelError, match=r"model.yaml line \d+, column \d+: not valid YAML"):
        modelgen.load_source(path)


def test_the_widest_patterns_are_named_widest_first():
    source = {"intents": {"A": {"samples": ["one", "(a|b|c) (d|e)"]}, "B": {"samples": ["[x] y"]}}}
    assert modelgen.widest(source, count=2) == [(6, "A", "(a|b|c) (d|e)"), (2, "B", "[x] y")]
