"""labelqa.agree / gold / validate / report against the binary's JSON, errors, and the GIL."""
import os
import threading
import time

import pandas as pd
import pytest

import labelqa
from conftest import BINARY, cli_json, example, sorted_dump

CASES = [
    ("agree", [example("sentiment.csv")], {}, []),
    ("agree", [example("sentiment.csv")], {"order": "negative,neutral,positive", "ci": "bootstrap", "bootstrap": 200, "seed": 7},
     ["--order", "negative,neutral,positive", "--ci", "bootstrap", "--bootstrap", "200", "--seed", "7"]),
    ("agree", [example("coco", "alice.json"), example("coco", "bob.json")], {"iou_threshold": 0.6, "per_image": True},
     ["--iou-threshold", "0.6", "--per-image"]),
    ("agree", [example("masks", "ann1"), example("masks", "ann2")], {"masks": True, "classes": example("masks", "classes.csv")},
     ["--masks", "--classes", example("masks", "classes.csv")]),
    ("gold", [example("gold", "delivery.csv")], {"gold": example("gold", "gold.csv"), "policy": example("gold", "qa.toml")},
     ["--gold", example("gold", "gold.csv"), "--policy", example("gold", "qa.toml")]),
    ("validate", [example("validate", "instances.json")], {"classes": example("validate", "classes.txt")},
     ["--classes", example("validate", "classes.txt")]),
    ("report", [example("report", "ratings.csv")], {"gold": example("report", "gold.csv")}, ["--gold", example("report", "gold.csv")]),
    ("agree", [example("sentiment.csv")], {"min": ["krippendorff_alpha=0.9"]}, ["--min", "krippendorff_alpha=0.9"]),
    ("gold", [example("transcripts.csv")], {"gold": example("transcripts_gold.csv"), "normalize": "case,punct,space", "min": ["word_accuracy=0.8"]},
     ["--gold", example("transcripts_gold.csv"), "--normalize", "case,punct,space", "--min", "word_accuracy=0.8"]),
    ("gold", [example("diarization", "alice.rttm")], {"gold": example("diarization", "bob.rttm"), "collar": 0, "skip_overlap": True},
     ["--gold", example("diarization", "bob.rttm"), "--collar", "0", "--skip-overlap"]),
    ("report", [example("transcripts.csv")], {"gold": example("transcripts_gold.csv")}, ["--gold", example("transcripts_gold.csv")]),
]


@pytest.mark.parametrize("command,inputs,options,flags", CASES)
def test_same_report_as_the_binary(command, inputs, options, flags):
    expected, code = cli_json(command, *inputs, *flags)
    result = getattr(labelqa, command)(inputs, **options)
    assert isinstance(result, dict)
    assert sorted_dump(result) == sorted_dump(expected)
    assert result.exit_code == code
    assert result.gate_failed == (code == 1)


def test_a_failed_gate_is_a_field_not_an_exception():
    result = labelqa.agree(example("sentiment.csv"), min={"krippendorff_alpha": 0.9})
    assert result.gate_failed and result.exit_code == 1
    assert any(not g["passed"] for g in result["gate"])
    assert not labelqa.agree(example("sentiment.csv"), min={"krippendorff_alpha": 0.1}).gate_failed


def test_the_acceptance_line_prints_the_binarys_numbers():
    expected, _ = cli_json("agree", example("sentiment.csv"))
    assert labelqa.agree(example("sentiment.csv"))["overall"] == expected["overall"]


def test_a_dataframe_gives_the_same_numbers_as_its_csv():
    frame = pd.read_csv(example("sentiment.csv"))
    from_frame = labelqa.agree(frame)
    from_file = labelqa.agree(example("sentiment.csv"))
    assert from_frame["overall"] == from_file["overall"]
    assert from_frame["per_pair"] == from_file["per_pair"]
    assert from_frame["input"]["files"] == ["<DataFrame input 0>"]


def test_gold_from_dataframes():
    delivery = pd.read_csv(example("gold", "delivery.csv"))
    gold = pd.read_csv(example("gold", "gold.csv"))
    expected, _ = cli_json("gold", example("gold", "delivery.csv"), "--gold", example("gold", "gold.csv"))
    result = labelqa.gold(delivery, gold=gold)
    assert result["input"] != expected["input"]  # the files are named as the data given
    assert sorted_dump({k: v for k, v in result.items() if k != "input"}) == sorted_dump({k: v for k, v in expected.items() if k != "input"})


def test_coco_dicts_as_inputs():
    import json

    with open(example("coco", "alice.json")) as f:
        alice = json.load(f)
    with open(example("coco", "bob.json")) as f:
        bob = json.load(f)
    expected, _ = cli_json("agree", example("coco", "alice.json"), example("coco", "bob.json"), "--annotators", "alice,bob")
    result = labelqa.agree([alice, bob], annotators=["alice", "bob"])
    assert [f["file"] for f in result["input"]["files"]] == ["<dict input 0>", "<dict input 1>"]
    without_input = lambda r: sorted_dump({k: v for k, v in r.items() if k != "input"})  # noqa: E731
    assert without_input(result) == without_input(expected)


def test_other_reports_in_memory(tmp_path):
    result = labelqa.gold(example("gold", "delivery.csv"), gold=example("gold", "gold.csv"), policy=example("gold", "qa.toml"),
                          csv=True, junit=True, markdown=True, sarif=str(tmp_path / "gold.sarif"))
    for name in ("csv", "junit", "markdown"):
        p = os.popen(f"'{BINARY}' gold '{example('gold', 'delivery.csv')}' --gold '{example('gold', 'gold.csv')}' "
                     f"--policy '{example('gold', 'qa.toml')}' -q --{name} -")
        assert result.outputs[name] == p.read()
        p.close()
    assert (tmp_path / "gold.sarif").exists()


def test_tables_to_pandas():
    result = labelqa.agree(example("sentiment.csv"))
    assert "per_pair" in result.tables() and "per_class" in result.tables()
    pairs = result.to_pandas("per_pair")
    assert list(pairs["annotator_a"]) == [p["annotator_a"] for p in result["per_pair"]]
    assert pairs["cohen_kappa.value"].tolist() == [p["cohen_kappa"]["value"] for p in result["per_pair"]]
    assert set(result.to_pandas()) == set(result.tables())
    with pytest.raises(KeyError):
        result.to_pandas("nothing")


def test_bad_input_raises_input_error_with_file_line_and_item(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("item,annotator,label\nq1,ana,pos\nq1,ana,neg\n")
    with pytest.raises(labelqa.InputError) as e:
        labelqa.agree(str(bad))
    assert e.value.file == str(bad)
    assert e.value.line == 3
    assert e.value.item == "q1"
    assert e.value.setting == "duplicates"
    assert isinstance(e.value, ValueError)
    with pytest.raises(labelqa.InputError) as e:
        labelqa.agree(str(tmp_path / "missing.csv"))
    assert e.value.file == str(tmp_path / "missing.csv")


def test_bad_input_in_a_dataframe_names_the_dataframe():
    frame = pd.DataFrame({"item": ["q1", "q1"], "annotator": ["ana", "ana"], "label": ["pos", "neg"]})
    with pytest.raises(labelqa.InputError) as e:
        labelqa.agree(frame)
    assert e.value.file == "<DataFrame input 0>"
    assert "<DataFrame input 0>" in str(e.value) and "labelqa-" not in str(e.value)


def test_bad_options_raise_usage_error():
    with pytest.raises(labelqa.UsageError):
        labelqa.agree(example("sentiment.csv"), no_such_flag=1)
    with pytest.raises(labelqa.UsageError):
        labelqa.agree(example("sentiment.csv"), level="cardinal")
    with pytest.raises(labelqa.UsageError):
        labelqa.agree(example("sentiment.csv"), min=["alpha"])
    with pytest.raises(TypeError):
        labelqa.agree(example("sentiment.csv"), json="x.json")


def test_the_version():
    assert labelqa.__version__ in labelqa.version()
    assert "simdjson" in labelqa.version()


@pytest.fixture(scope="module")
def big_table(tmp_path_factory):
    """A table large enough that a run takes a good fraction of a second."""
    import random

    rng = random.Random(3)
    path = tmp_path_factory.mktemp("big") / "ratings.csv"
    with open(path, "w") as f:
        f.write("item,annotator,label\n")
        for i in range(60000):
            truth = rng.randrange(6)
            for a in range(5):
                f.write(f"i{i},a{a},{truth if rng.random() < 0.7 else rng.randrange(6)}\n")
    return str(path)


def test_the_gil_is_released_during_computation(big_table):
    # A Python thread counts while the main thread is inside labelqa: with the GIL held it could
    # not run at all until the call returned.
    counted = {"during": 0}
    inside = threading.Event()
    done = threading.Event()

    def count():
        inside.wait()
        n = 0
        while not done.is_set():
            n += 1
        counted["during"] = n

    t = threading.Thread(target=count)
    t.start()
    inside.set()
    start = time.perf_counter()
    for _ in range(4):  # long enough on a fast machine too (one call takes about 0.05 s there)
        labelqa.agree(big_table, bootstrap=200, threads=1)
    elapsed = time.perf_counter() - start
    done.set()
    t.join()
    assert elapsed > 0.1
    assert counted["during"] > 10000, counted


def test_two_threads_run_in_parallel_with_the_same_results(big_table):
    alone = labelqa.agree(big_table, threads=1)
    results = [None, None]

    def run(k):
        results[k] = labelqa.agree(big_table, threads=1)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted_dump(results[0]) == sorted_dump(alone) == sorted_dump(results[1])


def test_messages_are_kept_not_printed(capfd):
    result = labelqa.gold(example("gold", "delivery.csv"), gold=example("gold", "gold.csv"), policy=example("gold", "qa.toml"))
    assert result.gate_failed
    assert any(m.startswith("gate failed: ") for m in result.messages), result.messages
    v = labelqa.validate(example("validate", "instances.json"), classes=example("validate", "classes.txt"))
    assert v.exit_code == 1 and any(m.startswith("validate: ") for m in v.messages)
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_validate_of_nothing_readable_raises(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text("{\"images\": [")
    p = __import__("subprocess").run([BINARY, "validate", str(broken), "-q"], capture_output=True, text=True)
    assert p.returncode == 2
    with pytest.raises(labelqa.InputError) as e:
        labelqa.validate(str(broken))
    assert "none of the inputs could be read" in str(e.value)
