"""What a caller of csv_profile can rely on, checked against hand-computed values."""

import json
import random
import statistics
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import compute  # noqa: E402
from compute import CsvProfileError, CsvProfileStopped, profile_csv  # noqa: E402


def column(profile: dict, name: str) -> dict:
    return next(c for c in profile["column_profiles"] if c["name"] == name)


class NumericColumns(unittest.TestCase):
    def test_quantiles_mean_and_stddev_match_hand_computed_values(self):
        values = [7, 3, 10, 1, 5, 9, 2, 8, 4, 6]  # 1..10, shuffled
        profile = profile_csv("x\n" + "\n".join(map(str, values)) + "\n")
        x = column(profile, "x")
        self.assertEqual(x["type"], "integer")
        self.assertEqual((x["min"], x["max"], x["count"], x["distinct"]), (1, 10, 10, 10))
        self.assertEqual(x["mean"], 5.5)
        # sample stddev: sqrt(82.5 / 9)
        self.assertAlmostEqual(x["stddev"], 3.0276503540974917, places=12)
        expected = {"p25": 3.25, "p50": 5.5, "p75": 7.75, "p90": 9.1, "p99": 9.91}
        for key, value in expected.items():
            self.assertAlmostEqual(x["quantiles"][key], value, places=9, msg=key)

    def test_repeated_values_weigh_in_quantiles(self):
        x = column(profile_csv("x\n1\n1\n1\n10\n"), "x")
        self.assertEqual(x["distinct"], 2)
        expected = {"p25": 1.0, "p50": 1.0, "p75": 3.25, "p90": 7.3, "p99": 9.73}
        for key, value in expected.items():
            self.assertAlmostEqual(x["quantiles"][key], value, places=9, msg=key)

    def test_statistics_agree_with_the_stdlib_on_random_data(self):
        rng = random.Random(7)
        data = [round(rng.gauss(50, 20), 3) for _ in range(997)] + [12.5] * 40
        x = column(profile_csv("x\n" + "\n".join(map(str, data)) + "\n"), "x")
        cuts = statistics.quantiles(data, n=100, method="inclusive")  # numpy's "linear"
        for key, percent in (("p25", 25), ("p50", 50), ("p75", 75), ("p90", 90), ("p99", 99)):
            self.assertAlmostEqual(x["quantiles"][key], cuts[percent - 1], places=9, msg=key)
        self.assertAlmostEqual(x["mean"], statistics.fmean(data), places=9)
        self.assertAlmostEqual(x["stddev"], statistics.stdev(data), places=9)

    def test_integers_and_decimals_together_are_numbers(self):
        x = column(profile_csv("x\n1\n2.5\n-3e1\n.5\n"), "x")
        self.assertEqual(x["type"], "number")
        self.assertEqual((x["min"], x["max"]), (-30.0, 2.5))

    def test_a_single_value_has_no_stddev(self):
        x = column(profile_csv("x\n42\n"), "x")
        self.assertIsNone(x["stddev"])
        self.assertEqual(x["quantiles"]["p99"], 42.0)

    def test_overflowing_numbers_are_text_not_infinity(self):
        x = column(profile_csv("x\n1e400\n2\n"), "x")
        self.assertEqual(x["type"], "string")
        json.dumps(profile_csv("x\n1e308\n1e308\n-1e308\n"), allow_nan=False)


class NullsAndTypes(unittest.TestCase):
    def test_null_tokens_are_counted_case_insensitively(self):
        text = "v\n1\n\nNA\nn/a\nNULL\nnull\nNone\nnan\n #N/A \n0\n"
        v = column(profile_csv(text), "v")
        # the blank line is skipped as a blank record, not counted
        self.assertEqual(v["nulls"], 7)
        self.assertEqual(v["count"], 2)
        self.assertEqual(v["type"], "integer")

    def test_empty_fields_in_a_row_are_nulls(self):
        v = column(profile_csv("a,v\n1,\n2,3\n"), "v")
        self.assertEqual((v["nulls"], v["count"]), (1, 1))

    def test_mixed_numbers_and_words_are_strings(self):
        v = column(profile_csv("v\n1\n2\nthree\n"), "v")
        self.assertEqual(v["type"], "string")
        self.assertEqual(v["top"][0], {"value": "1", "count": 1})

    def test_booleans(self):
        v = column(profile_csv("v\ntrue\nFALSE\nyes\nNo\nTrue\n"), "v")
        self.assertEqual(v["type"], "boolean")
        self.assertEqual((v["true_count"], v["false_count"], v["distinct"]), (3, 2, 2))

    def test_numbers_mixed_with_booleans_are_strings(self):
        self.assertEqual(column(profile_csv("v\n1\ntrue\n"), "v")["type"], "string")

    def test_datetimes_order_by_instant_across_offsets(self):
        text = "t\n2024-01-02\n2024-01-01T23:00:00-05:00\n2023-12-31 08:15\n2024-01-01T10:00:00Z\n"
        t = column(profile_csv(text), "t")
        self.assertEqual(t["type"], "datetime")
        self.assertEqual(t["min"], "2023-12-31 08:15")
        self.assertEqual(t["max"], "2024-01-01T23:00:00-05:00")  # 04:00 UTC on Jan 2

    def test_impossible_dates_are_strings(self):
        self.assertEqual(column(profile_csv("t\n2024-13-01\n"), "t")["type"], "string")

    def test_all_null_column_is_empty(self):
        v = column(profile_csv("a,v\n1,NA\n2,\n"), "v")
        self.assertEqual((v["type"], v["count"], v["nulls"], v["distinct"]), ("empty", 0, 2, 0))


class Strings(unittest.TestCase):
    def test_top_five_by_count_then_value_and_lengths(self):
        rows = ["b"] * 3 + ["a"] * 3 + ["ccc"] * 2 + ["d", "e", "f", " spaced "]
        s = column(profile_csv("s\n" + "\n".join(rows) + "\n"), "s")
        self.assertEqual(s["distinct"], 7)
        self.assertEqual([t["value"] for t in s["top"]], ["a", "b", "ccc", "d", "e"])
        self.assertEqual([t["count"] for t in s["top"]], [3, 3, 2, 1, 1])
        self.assertEqual((s["min_length"], s["max_length"]), (1, 6))  # "spaced" trimmed

    def test_quoted_fields_keep_delimiters_and_newlines(self):
        s = column(profile_csv('id,s\n1,"a, b"\n2,"line\nbreak"\n'), "s")
        self.assertEqual(s["max_length"], 10)
        self.assertEqual(s["count"], 2)


class HeaderAndDelimiter(unittest.TestCase):
    def test_blank_and_duplicate_header_names_are_made_unique(self):
        profile = profile_csv("name,,name,name_2,name\n1,2,3,4,5\n")
        self.assertEqual(profile["header"], ["name", "col_2", "name_3", "name_2", "name_4"])
        self.assertEqual(
            [r["position"] for r in profile["renamed_headers"]], [2, 3, 5]
        )

    def test_byte_order_mark_is_not_part_of_the_first_name(self):
        self.assertEqual(profile_csv("\ufeffid,v\n1,2\n")["header"], ["id", "v"])

    def test_semicolon_and_tab_are_sniffed(self):
        semi = profile_csv("a;b;c\n1;2,5;x\n3;4,5;y\n")
        self.assertEqual((semi["delimiter"], semi["delimiter_source"], semi["columns"]), (";", "sniffed", 3))
        tab = profile_csv("a\tb\n1\t2\n3\t4\n")
        self.assertEqual(tab["delimiter"], "\t")

    def test_a_single_column_falls_back_to_comma(self):
        profile = profile_csv("name\nalice\nbob\n")
        self.assertEqual((profile["delimiter"], profile["delimiter_source"]), (",", "default"))

    def test_a_given_delimiter_wins(self):
        profile = profile_csv("a|b\n1|2\n", delimiter="|")
        self.assertEqual((profile["delimiter_source"], profile["columns"]), ("given", 2))

    def test_header_only_gives_zero_rows(self):
        profile = profile_csv("a,b\n")
        self.assertEqual((profile["rows"], column(profile, "a")["type"]), (0, "empty"))


class Refusals(unittest.TestCase):
    def assertRefused(self, pattern: str, text: str, **kwargs) -> None:
        with self.assertRaisesRegex(CsvProfileError, pattern):
            profile_csv(text, **kwargs)

    def test_empty_input(self):
        self.assertRefused("empty", "")
        self.assertRefused("empty", " \n\r\n ")

    def test_no_header(self):
        self.assertRefused("line 1: no header", ",,\n1,2,3\n")

    def test_a_row_with_extra_values_names_its_line(self):
        self.assertRefused(r"line 5: row has 3 fields but the header has 2", 'a,b\n1,2\n"x\ny",3\n5,6,7\n')

    def test_short_rows_are_padded_up_to_a_tolerance(self):
        profile = profile_csv("a,b\n1\n2,3\n4,5,\n")
        self.assertEqual(profile["ragged_rows"], 2)
        self.assertEqual(column(profile, "b")["nulls"], 1)
        rows = "a,b\n" + "1\n" * (compute.RAGGED_TOLERANCE + 1)
        self.assertRefused(rf"line {compute.RAGGED_TOLERANCE + 2}: more than .* \(first at line 2\)", rows)

    def test_size_limit(self):
        self.assertRefused("larger than", "a\n" + "x" * compute.MAX_TEXT_BYTES)
        # counted in UTF-8 bytes, not characters
        self.assertRefused("larger than", "a\n" + "é" * (compute.MAX_TEXT_BYTES // 2))

    def test_row_limit(self):
        self.assertRefused("line 4: CSV has more than 2 data rows", "a\n1\n2\n3\n", max_rows=2)
        self.assertEqual(profile_csv("a\n1\n2\n", max_rows=2)["rows"], 2)
        self.assertRefused("max_rows must be", "a\n1\n", max_rows=0)
        self.assertRefused("max_rows must be", "a\n1\n", max_rows=compute.ROW_LIMIT + 1)

    def test_bad_delimiter(self):
        self.assertRefused("delimiter must be one character", "a\n1\n", delimiter=";;")
        self.assertRefused("delimiter must be one character", "a\n1\n", delimiter='"')


class Bombs(unittest.TestCase):
    """Inputs built to make the work or the answer explode: each is bounded and linear."""

    def test_a_header_wider_than_the_column_limit_is_refused_before_the_rows_are_read(self):
        wide = ",".join(["c"] * 1_000_000) + "\n1\n"  # 2 MB, as in the attack run
        with self.assertRaisesRegex(CsvProfileError, r"line 1: the header has 1000000 columns; at most 1000"):
            profile_csv(wide)

    def test_many_columns_with_one_name_are_renamed_in_linear_time(self):
        header = ",".join(["a"] * compute.MAX_COLUMNS)
        profile = profile_csv(f"{header}\n" + ",".join(["1"] * compute.MAX_COLUMNS) + "\n")
        self.assertEqual(profile["header"][:3], ["a", "a_2", "a_3"])
        self.assertEqual(profile["header"][-1], f"a_{compute.MAX_COLUMNS}")
        self.assertEqual(len(set(profile["header"])), compute.MAX_COLUMNS)
        # The renaming itself, at 40 times the limit, without the profile around it:
        names, _ = compute._unique_names(["a"] * 40_000)
        self.assertEqual(names[-1], "a_40000")

    def test_long_names_and_values_are_clipped_in_the_answer(self):
        long = "x" * 100_000
        profile = profile_csv(f"{long},b\n{long},1\n")
        self.assertEqual(len(profile["header"][0]), 200)
        self.assertTrue(profile["header"][0].endswith("…"))
        self.assertEqual(len(profile["column_profiles"][0]["top"][0]["value"]), 200)
        self.assertLess(len(json.dumps(profile)), 2_000)

    def test_the_widest_allowed_answer_stays_small(self):
        width = compute.MAX_COLUMNS
        text = ",".join("n" * 300 for _ in range(width)) + "\n" + ",".join("v" * 300 for _ in range(width)) + "\n"
        self.assertLess(len(json.dumps(profile_csv(text))), 2 * 1024 * 1024)

    def test_an_unclosed_quote_a_bom_and_cr_only_line_endings(self):
        # An unclosed quote swallows the rest into one field (a short row), up to the csv module's field limit.
        swallowed = profile_csv('a,b\n"never closed,1\n' + "2,3\n" * 10)
        self.assertEqual((swallowed["rows"], swallowed["ragged_rows"]), (1, 1))
        with self.assertRaisesRegex(CsvProfileError, r"line \d+: malformed CSV \(field larger than field limit"):
            profile_csv('a,b\n"never closed,1\n' + "2,3\n" * 100_000)
        self.assertEqual(profile_csv("\ufeffa,b\r1,2\r3,4\r")["header"], ["a", "b"])
        self.assertEqual(profile_csv("a,b\r1,2\r3,4\r")["rows"], 2)

    def test_the_work_stops_when_asked_to(self):
        asked = []
        def stop_on_the_third_question() -> bool:
            asked.append(1)
            return len(asked) >= 3
        text = "a,b\n" + "1,2\n" * 5000
        with self.assertRaisesRegex(CsvProfileStopped, "stopped"):
            profile_csv(text, should_stop=stop_on_the_third_question)
        self.assertEqual(len(asked), 3)


class Output(unittest.TestCase):
    def test_output_is_strict_json_and_deterministic(self):
        text = "n,s,t,b\n1,x,2024-01-01,true\n2,y,2024-01-02,false\n2,x,,\n"
        first = json.dumps(profile_csv(text), allow_nan=False, sort_keys=True)
        self.assertEqual(first, json.dumps(profile_csv(text), allow_nan=False, sort_keys=True))


if __name__ == "__main__":
    unittest.main()
