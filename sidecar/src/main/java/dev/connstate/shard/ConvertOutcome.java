package dev.connstate.shard;

/** What converting one v1 record to a v2 hash did. */
public enum ConvertOutcome {
  /** the v2 hash was written from the v1 record */
  CONVERTED,
  /** a v2 hash existed already (another sidecar or the migration converted it): nothing written */
  ALREADY,
  /** the v1 record changed or vanished since it was read: nothing written, read it again */
  CHANGED
}
