"""csv_cluster: k-means with PyTorch on this machine's CPU (Debian's python3-torch), as Modal runs it on a GPU."""

import random
import sys
import unittest
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from compute import CsvProfileError, CsvProfileStopped  # noqa: E402
from csv_cluster import TorchMissing, cluster_csv, run_csv_cluster  # noqa: E402
from handlers import CallFailed  # noqa: E402


def blobs(centres, per_cluster=200, spread=1.0, seed=7):
    rng = random.Random(seed)
    rows = ["x,y,name"]
    for index, (cx, cy) in enumerate(centres):
        rows += [f"{cx + rng.gauss(0, spread):.4f},{cy + rng.gauss(0, spread):.4f},p{index}" for _ in range(per_cluster)]
    return "\n".join(rows) + "\n"


class Report:
    def __init__(self, stop_after=None):
        self.progress_calls, self.logs, self.asked, self.stop_after = [], [], 0, stop_after

    def progress(self, progress, total=None, message=None):
        self.progress_calls.append((progress, total, message))

    def log(self, level, data, logger=None):
        self.logs.append((level, data, logger))

    def should_stop(self):
        self.asked += 1
        return self.stop_after is not None and self.asked > self.stop_after


class ClusterCsv(unittest.TestCase):
    def test_finds_three_separated_groups_with_their_centres_in_the_columns_units(self):
        result = cluster_csv(blobs([(0, 0), (50, 50), (0, 100)]), k=3)
        self.assertEqual(result["columns"], ["x", "y"], "the text column is not a feature")
        self.assertEqual([cluster["size"] for cluster in result["clusters"]], [200, 200, 200])
        centres = sorted((round(c["centroid"]["x"]), round(c["centroid"]["y"])) for c in result["clusters"])
        self.assertEqual(centres, [(0, 0), (0, 100), (50, 50)])
        self.assertTrue(result["converged"])
        self.assertEqual(result["device"], "cpu")

    def test_the_same_seed_gives_the_same_answer(self):
        text = blobs([(0, 0), (3, 3), (6, 0)], spread=2.0)
        self.assertEqual(cluster_csv(text, k=3, seed=5), cluster_csv(text, k=3, seed=5))

    def test_scales_are_standardised_so_a_large_column_does_not_drown_a_small_one(self):
        rows = ["income,age"] + [f"{50000 + i % 7},{20 + (i % 2) * 40}" for i in range(100)]
        result = cluster_csv("\n".join(rows), k=2)
        ages = sorted(round(cluster["centroid"]["age"]) for cluster in result["clusters"])
        self.assertEqual(ages, [20, 60], "split by age, where the groups are, not by income's noise")

    def test_rows_missing_a_number_are_skipped_and_counted(self):
        text = "a,b\n1,2\n,3\n1.5,2.5\n10,11\nNA,1\n11,12\n"
        result = cluster_csv(text, k=2)
        self.assertEqual((result["rows"], result["rows_clustered"], result["rows_skipped"]), (6, 4, 2))

    def test_named_columns_must_exist_and_be_numeric(self):
        text = "a,b,label\n1,2,x\n3,4,y\n5,6,z\n"
        with self.assertRaisesRegex(CsvProfileError, r"no column named 'c'; columns are a, b, label"):
            cluster_csv(text, k=2, columns=["c"])
        with self.assertRaisesRegex(CsvProfileError, r"column 'label' holds values that are not numbers; numeric columns are a, b"):
            cluster_csv(text, k=2, columns=["a", "label"])
        self.assertEqual(cluster_csv(text, k=2, columns=["b"])["columns"], ["b"])

    def test_fewer_complete_rows_than_clusters_is_refused(self):
        with self.assertRaisesRegex(CsvProfileError, "2 rows have a number in every chosen column; k-means into 3 clusters needs at least 3"):
            cluster_csv("a\n1\n2\n", k=3)

    def test_no_numeric_column_is_refused(self):
        with self.assertRaisesRegex(CsvProfileError, "no numeric column to cluster by"):
            cluster_csv("name\nx\ny\n", k=2)

    def test_identical_points_still_give_k_clusters(self):
        result = cluster_csv("a\n" + "1\n" * 10, k=3)
        self.assertEqual(sum(cluster["size"] for cluster in result["clusters"]), 10)
        self.assertEqual(len(result["clusters"]), 3)

    def test_a_stop_request_ends_the_iterations(self):
        with self.assertRaises(CsvProfileStopped):
            cluster_csv(blobs([(0, 0), (5, 5)]), k=2, should_stop=lambda: True)


class Handler(unittest.TestCase):
    def test_reports_progress_and_the_device_it_ran_on(self):
        report = Report()
        result = run_csv_cluster({"csv": blobs([(0, 0), (9, 9)]), "k": 2}, report)
        self.assertEqual(result["k"], 2)
        self.assertEqual(report.progress_calls[-1][:2], (100, 100))
        self.assertEqual(report.logs, [("info", "clustered 400 rows into 2 clusters on cpu", "csv_cluster")])

    def test_bad_input_is_a_422_with_the_reason(self):
        with self.assertRaises(CallFailed) as caught:
            run_csv_cluster({"csv": "name\nx\ny\n", "k": 2}, Report())
        self.assertEqual(caught.exception.status, 422)

    def test_a_caller_that_left_ends_it_with_504(self):
        with self.assertRaises(CallFailed) as caught:
            run_csv_cluster({"csv": blobs([(0, 0), (9, 9)]), "k": 2}, Report(stop_after=0))
        self.assertEqual(caught.exception.status, 504)
        self.assertIn("csv_cluster stopped", str(caught.exception))

    def test_without_torch_the_answer_says_which_package_to_install(self):
        with mock.patch.dict(sys.modules, {"torch": None}):
            with self.assertRaises(TorchMissing) as caught:
                run_csv_cluster({"csv": "a\n1\n2\n", "k": 2}, Report())
        self.assertEqual(caught.exception.status, 503)
        self.assertIn("apt-get install python3-torch", str(caught.exception))


if __name__ == "__main__":
    unittest.main()
