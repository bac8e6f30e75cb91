package dev.connstate.ingress.bridge;

import dev.connstate.config.SidecarConfig;
import dev.connstate.ingress.CommandRunner;
import dev.connstate.ops.MetricNames;
import dev.connstate.ops.Metrics;
import dev.connstate.ops.RateLimitedLog;
import io.vertx.core.eventbus.EventBus;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the sockets of one bridge share: settings, the clients, the event bus, metrics, the
 * rate-limited log, and the byte budgets over all sockets (partly received frames, queued
 * replies), with the set of open sessions to choose one to shed when the reply budget is
 * spent. Confined to the bridge's event loop, but for the budgets, which metrics read.
 */
final class BridgeContext {
  private final SidecarConfig.BridgeSettings settings;
  private final ClientRegistry clients;
  private final EventBus eventBus;
  private final Metrics metrics;
  private final RateLimitedLog problems;
  private final SessionTies sessionTies;
  private final ByteBudget pendingFrames;
  private final ByteBudget queued;
  private final Set<BridgeSession> sessions = new LinkedHashSet<>();
  private final AtomicInteger count = new AtomicInteger();
  private final CommandRunner commands;

  BridgeContext(SidecarConfig.BridgeSettings settings, ClientRegistry clients, EventBus eventBus, CommandRunner commands,
                Metrics metrics, RateLimitedLog problems, SessionTies sessionTies) {
    this.settings = settings;
    this.commands = commands;
    this.sessionTies = sessionTies;
    this.clients = clients;
    this.eventBus = eventBus;
    this.metrics = metrics;
    this.problems = problems;
    this.pendingFrames = new ByteBudget(settings.maxPendingFrameBytes());
    this.queued = new ByteBudget(settings.maxQueuedBytes());
    metrics.gauge(MetricNames.BRIDGE_QUEUED_BYTES, queued::used);
    metrics.gauge(MetricNames.BRIDGE_PENDING_FRAME_BYTES, pendingFrames::used);
  }

  SidecarConfig.BridgeSettings settings() {
    return settings;
  }

  ClientRegistry clients() {
    return clients;
  }

  EventBus eventBus() {
    return eventBus;
  }

  /** Where commands go: the ingress. */
  CommandRunner commands() {
    return commands;
  }

  Metrics metrics() {
    return metrics;
  }

  RateLimitedLog problems() {
    return problems;
  }

  /** Which socket speaks for which client session (DESIGN §7). */
  SessionTies sessionTies() {
    return sessionTies;
  }

  ByteBudget pendingFrames() {
    return pendingFrames;
  }

  ByteBudget queued() {
    return queued;
  }

  void opened(BridgeSession session) {
    if (sessions.add(session)) {
      count.incrementAndGet();
    }
  }

  void closed(BridgeSession session) {
    if (sessions.remove(session)) {
      count.decrementAndGet();
    }
  }

  /** Sockets open now (any thread). */
  int open() {
    return count.get();
  }

  /**
   * The replies queued for all sockets passed {@code maxQueuedBytes}: the socket holding the
   * most is closed (the one that does not read), until the budget holds again.
   */
  void shed() {
    while (queued.over()) {
      BridgeSession largest = null;
      for (BridgeSession session : sessions) {
        if (largest == null || session.queuedBytes() > largest.queuedBytes()) {
          largest = session;
        }
      }
      // a socket holding less than its own queue limit is being read: it is not the one to blame
      if (largest == null || largest.queuedBytes() < settings.maxWriteQueueBytes()) {
        return;
      }
      closed(largest);
      largest.closeFor(MetricNames.CLOSED_REPLY_BUDGET, largest.queuedBytes() + " bytes of replies wait for this "
          + "client while all clients' replies passed bridge.maxQueuedBytes (" + settings.maxQueuedBytes() + ")",
          false);
    }
  }
}
