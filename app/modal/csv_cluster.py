"""The `csv_cluster` tool: k-means over the numeric columns of CSV text, with PyTorch.

The same code runs on this machine's CPU (Debian's python3-torch) and on a Modal GPU: the
work goes to CUDA when torch sees a device, else to the CPU; no flag, no other code path.
Features are standardised before clustering (a column in millions must not drown one in
units); centroids are reported in the columns' own units. Seeded k-means++ makes an answer
repeatable for the same input and seed.
"""

from __future__ import annotations

from typing import Any, Callable

from column_profile import NULL_TOKENS, parse_number
from compute import CsvProfileError, CsvProfileStopped, read_csv_table
from handlers import CallFailed, Report, WORK_TIMEOUT_SECONDS, percent_progress, tool

MAX_FEATURES = 100
"""Most numeric columns clustered at once; the tool's input schema (app/src/tools/csv-cluster.ts) says the same."""
TOLERANCE = 1e-6
"""Largest centroid move (in standard deviations) that counts as converged."""


class TorchMissing(CallFailed):
    """PyTorch cannot be imported: a machine set up without it."""


def _torch() -> Any:
    # Imported per call, not at module load: the web function's image has no torch and never runs this.
    try:
        import torch
    except ImportError:
        raise TorchMissing(
            "csv_cluster needs PyTorch, which this Python cannot import: on Debian or Ubuntu run "
            "`apt-get install python3-torch`; on Modal its function's image installs torch from app/modal/requirements.txt",
            status=503,
        ) from None
    return torch


def cluster_csv(
    csv_text: str,
    *,
    k: int = 3,
    columns: list[str] | None = None,
    delimiter: str | None = None,
    max_rows: int | None = None,
    max_iterations: int = 100,
    seed: int = 0,
    should_stop: Callable[[], bool] = lambda: False,
    on_progress: Callable[[float, str], None] = lambda done, message: None,
) -> dict[str, Any]:
    """Clusters the rows of `csv_text` by its numeric columns (or `columns`) into `k` groups."""
    torch = _torch()
    table = read_csv_table(csv_text, delimiter=delimiter, max_rows=max_rows, should_stop=should_stop, on_progress=on_progress)
    chosen = _choose_columns(table.names, table.rows, columns)
    features, skipped = _numeric_rows(table.rows, [table.names.index(name) for name in chosen])
    if len(features) < k:
        raise CsvProfileError(f"{len(features)} rows have a number in every chosen column; k-means into {k} clusters needs at least {k}")

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    data = torch.tensor(features, dtype=torch.float64 if device.type == "cpu" else torch.float32, device=device)
    mean = data.mean(dim=0)
    scale = data.std(dim=0, unbiased=False)
    scale[scale == 0] = 1.0  # a constant column moves no point; keep it, don't divide by zero
    points = (data - mean) / scale
    generator = torch.Generator(device="cpu").manual_seed(seed)

    centroids = _seed_centroids(torch, points, k, generator)
    converged, iteration = False, 0
    for iteration in range(1, max_iterations + 1):
        if should_stop():
            raise CsvProfileStopped(f"stopped at iteration {iteration} of at most {max_iterations}")
        on_progress(0.5 + 0.5 * iteration / max_iterations, f"k-means iteration {iteration}")
        labels = torch.cdist(points, centroids).argmin(dim=1)
        sizes = torch.bincount(labels, minlength=k)
        sums = torch.zeros_like(centroids).index_add_(0, labels, points)
        moved = centroids.clone()
        filled = sizes > 0
        # An empty cluster keeps its centroid; it may win points back on the next pass.
        moved[filled] = sums[filled] / sizes[filled].unsqueeze(1).to(points.dtype)
        shift = (moved - centroids).norm(dim=1).max().item()
        centroids = moved
        if shift <= TOLERANCE:
            converged = True
            break

    labels = torch.cdist(points, centroids).argmin(dim=1)
    sizes = torch.bincount(labels, minlength=k).tolist()
    inertia = float(((points - centroids[labels]) ** 2).sum().item())
    in_units = (centroids * scale + mean).cpu().tolist()
    clusters = sorted(
        ({"size": size, "share": size / len(features), "centroid": {name: _round(value) for name, value in zip(chosen, centre)}} for size, centre in zip(sizes, in_units)),
        key=lambda cluster: -cluster["size"],
    )
    on_progress(1.0, f"clustered {len(features)} rows into {k} clusters")
    return {
        "rows": len(table.rows),
        "rows_clustered": len(features),
        "rows_skipped": skipped,
        "columns": chosen,
        "k": k,
        "iterations": iteration,
        "converged": converged,
        "inertia": _round(inertia),
        "device": device.type,
        "clusters": [{"cluster": index + 1, **cluster} for index, cluster in enumerate(clusters)],
    }


def _choose_columns(names: list[str], rows: list[list[str]], requested: list[str] | None) -> list[str]:
    """The requested columns, each checked to be numeric, or every column whose values are all numbers."""
    numeric = [name for position, name in enumerate(names) if _is_numeric(row[position] for row in rows)]
    if requested is None:
        if not numeric:
            raise CsvProfileError(f"no numeric column to cluster by; columns are {', '.join(names[:20])}")
        if len(numeric) > MAX_FEATURES:
            raise CsvProfileError(f"{len(numeric)} numeric columns; name at most {MAX_FEATURES} in `columns`")
        return numeric
    unknown = [name for name in requested if name not in names]
    if unknown:
        raise CsvProfileError(f"no column named {', '.join(map(repr, unknown))}; columns are {', '.join(names[:20])}")
    not_numeric = [name for name in requested if name not in numeric]
    if not_numeric:
        raise CsvProfileError(f"column {', '.join(map(repr, not_numeric))} holds values that are not numbers; numeric columns are {', '.join(numeric) or 'none'}")
    return list(dict.fromkeys(requested))


def _is_numeric(values: Any) -> bool:
    seen = False
    for raw in values:
        value = raw.strip()
        if value.lower() in NULL_TOKENS:
            continue
        if parse_number(value) is None:
            return False
        seen = True
    return seen


def _numeric_rows(rows: list[list[str]], positions: list[int]) -> tuple[list[list[float]], int]:
    """Rows with a number in every chosen column; a row with a missing value there is skipped and counted."""
    kept: list[list[float]] = []
    for row in rows:
        values = [parse_number(row[position].strip()) for position in positions]
        if all(value is not None for value in values):
            kept.append(values)  # type: ignore[arg-type]
    return kept, len(rows) - len(kept)


def _seed_centroids(torch: Any, points: Any, k: int, generator: Any) -> Any:
    """k-means++ (Arthur and Vassilvitskii, 2007): each next seed drawn in proportion to its squared distance."""
    first = int(torch.randint(len(points), (1,), generator=generator).item())
    chosen = [first]
    nearest = ((points - points[first]) ** 2).sum(dim=1)
    for _ in range(1, k):
        total = nearest.sum()
        if total.item() == 0:  # every point sits on a seed already: take any point not yet chosen
            spare = next(index for index in range(len(points)) if index not in chosen)
            chosen.append(spare)
            continue
        weights = (nearest / total).cpu()
        index = int(torch.multinomial(weights, 1, generator=generator).item())
        chosen.append(index)
        nearest = torch.minimum(nearest, ((points - points[index]) ** 2).sum(dim=1))
    return points[chosen].clone()


def _round(value: float) -> float:
    return float(f"{value:.6g}")


@tool("csv_cluster")
def run_csv_cluster(arguments: dict[str, Any], report: Report) -> dict[str, Any]:
    """Clusters, reporting progress in whole percents and one log line with the device used."""
    on_progress = percent_progress(report)
    try:
        result = cluster_csv(
            arguments["csv"],
            k=int(arguments.get("k", 3)),
            columns=arguments.get("columns"),
            delimiter=arguments.get("delimiter"),
            max_rows=None if arguments.get("max_rows") is None else int(arguments["max_rows"]),
            max_iterations=int(arguments.get("max_iterations", 100)),
            seed=int(arguments.get("seed", 0)),
            should_stop=report.should_stop,
            on_progress=on_progress,
        )
    except CsvProfileError as exc:
        raise CallFailed(str(exc)) from None
    except CsvProfileStopped as exc:
        raise CallFailed(f"csv_cluster stopped ({exc}): the caller left or it ran past {WORK_TIMEOUT_SECONDS:g} s", status=504) from None
    report.log("info", f"clustered {result['rows_clustered']} rows into {result['k']} clusters on {result['device']}", "csv_cluster")
    return result
