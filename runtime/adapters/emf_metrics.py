"""MetricWriter in CloudWatch embedded metric format: one JSON line per metric on stdout."""

from __future__ import annotations

import json
import sys
import time
from typing import TextIO

from runtime.adapters.ports import MetricWriter
from runtime.contract import METRIC_DIMENSION, METRIC_NAMESPACE, STATUS_DIMENSION, Metric


class EmfMetricWriter(MetricWriter):
    def __init__(self, stage: str, stream: TextIO | None = None) -> None:
        self._stage = stage
        self._stream = stream

    def count(self, metric: Metric, value: int = 1) -> None:
        self._emit(metric, value, "Count")

    def seconds(self, metric: Metric, value: float) -> None:
        self._emit(metric, value, "Seconds")

    def level(self, metric: Metric, value: float, *, status: str) -> None:
        self._emit(metric, value, "Count", {STATUS_DIMENSION: status})

    def _emit(
        self, metric: Metric, value: float, unit: str, dimensions: dict[str, str] | None = None
    ) -> None:
        extra = dimensions or {}
        line = {
            "_aws": {
                "Timestamp": int(time.time() * 1000),
                "CloudWatchMetrics": [
                    {
                        "Namespace": METRIC_NAMESPACE,
                        "Dimensions": [[METRIC_DIMENSION, *extra]],
                        "Metrics": [{"Name": str(metric), "Unit": unit}],
                    }
                ],
            },
            METRIC_DIMENSION: self._stage,
            **extra,
            str(metric): value,
        }
        stream = self._stream or sys.stdout
        stream.write(json.dumps(line) + "\n")
        stream.flush()
