package dev.connstate.bench;

import dev.connstate.client.BridgeConnection;
import io.vertx.core.Future;

/**
 * What one benchmark scenario does through the bridge. {@link #unit} is one unit of work — a
 * single request (hot path) or a short sequence (a churn session) — and records the latency of
 * each request it sends, from {@code intendedStartNanos} for the first one, so that an open-loop
 * run does not hide queueing (no coordinated omission).
 */
interface Workload {
  /** Scenario name in reports. */
  String name();

  /** Requests one unit sends (for throughput). */
  int requestsPerUnit();

  /** Requests of one unit that are critical changes. */
  int criticalPerUnit();

  /** Prepares the sidecar (e.g. registers the handles), once, before the clock starts. */
  Future<Void> setup(BridgeConnection connection);

  /** Runs one unit; completes when its last reply arrived. Failures are recorded, not thrown. */
  Future<Void> unit(BridgeConnection connection, long intendedStartNanos, Measurements measurements);
}
