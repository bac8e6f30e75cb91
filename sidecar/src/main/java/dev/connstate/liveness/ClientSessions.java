package dev.connstate.liveness;

import dev.connstate.ingress.bridge.SessionTies;
import dev.connstate.ops.MetricNames;
import dev.connstate.ops.Metrics;
import dev.connstate.ops.RateLimitedLog;
import dev.connstate.shard.Expiry;
import dev.connstate.shard.Shards;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Client sessions (DESIGN §7): a connection server can die while its sidecar lives on, so the
 * connections it registered with a {@code session} expire {@code sessionGraceMs} after the
 * last bridge socket of that session closed, unless a socket announces the session again
 * within the grace. A session's connections are those this sidecar owns that carry it.
 *
 * <p>Guarantees: a session with an open socket never has its connections expired by this
 * sidecar; a session seen in the loaded connections with no socket yet (this sidecar
 * restarted) gets its grace from the start; an expiry that fails (Redis unavailable) is
 * retried while the session stays without a socket. Thread-safe: sockets live on the bridge's
 * event loop, timers on whichever loop armed them.
 */
public final class ClientSessions implements SessionTies {
  private static final Logger LOG = LoggerFactory.getLogger(ClientSessions.class);
  /** After a failed expiry, the next attempt waits this long (or the grace, if shorter). */
  private static final long RETRY_MS = 5_000;

  private final Vertx vertx;
  private final String owner;
  private final long graceMs;
  private final RateLimitedLog problems;
  private final Map<String, Set<Object>> sockets = new HashMap<>();
  private final Map<Object, String> sessionOf = new HashMap<>();
  private final Map<String, Long> graceTimers = new HashMap<>();
  private volatile Shards shards;

  /** @param owner this sidecar's instance id: the owner of the connections its sessions hold */
  public ClientSessions(Vertx vertx, String owner, long graceMs, Metrics metrics, RateLimitedLog problems) {
    this.vertx = vertx;
    this.owner = owner;
    this.graceMs = graceMs;
    this.problems = problems;
    metrics.gauge(MetricNames.SESSIONS_OPEN, this::open);
    metrics.gauge(MetricNames.SESSIONS_IN_GRACE, this::inGrace);
  }

  /**
   * Starts the grace of every session the loaded connections carry that no socket announced yet:
   * after a restart, a client that does not come back within the grace has its connections
   * expired. Call once the shards are loaded, before the bridge listens.
   */
  public Future<Void> start(Shards loaded) {
    this.shards = loaded;
    return loaded.sessions(owner).map(found -> {
      int started = 0;
      synchronized (this) {
        for (String session : found) {
          if (!sockets.containsKey(session) && !graceTimers.containsKey(session)) {
            startGrace(session, graceMs);
            started++;
          }
        }
      }
      if (started > 0) {
        LOG.info("{} client sessions hold connections and have no socket yet: their connections expire in {} ms "
            + "unless a client announces the session", started, graceMs);
      }
      return null;
    });
  }

  @Override
  public void tie(Object socket, String session) {
    boolean resumed;
    synchronized (this) {
      String before = sessionOf.put(socket, session);
      if (session.equals(before)) {
        return;
      }
      if (before != null) {
        release(before, socket);
      }
      sockets.computeIfAbsent(session, s -> new HashSet<>()).add(socket);
      Long timer = graceTimers.remove(session);
      resumed = timer != null;
      if (resumed) {
        vertx.cancelTimer(timer);
      }
    }
    if (resumed) {
      LOG.info("client session {} announced again within its grace: its connections are kept", session);
    }
  }

  @Override
  public void untie(Object socket) {
    synchronized (this) {
      String session = sessionOf.remove(socket);
      if (session != null) {
        release(session, socket);
      }
    }
  }

  private void release(String session, Object socket) {
    Set<Object> open = sockets.get(session);
    if (open == null || !open.remove(socket) || !open.isEmpty()) {
      return;
    }
    sockets.remove(session);
    startGrace(session, graceMs);
    LOG.info("the last socket of client session {} closed: its connections expire in {} ms unless a socket "
        + "announces it again", session, graceMs);
  }

  private void startGrace(String session, long delayMs) {
    graceTimers.put(session, vertx.setTimer(Math.max(1, delayMs), id -> graceOver(session, id)));
  }

  private void graceOver(String session, long timer) {
    synchronized (this) {
      Long current = graceTimers.get(session);
      if (current == null || current != timer || sockets.containsKey(session)) {
        return;
      }
    }
    expire(session).onComplete(ar -> {
      synchronized (this) {
        if (graceTimers.get(session) != null && graceTimers.get(session) == timer) {
          graceTimers.remove(session);
          if (ar.failed() && !sockets.containsKey(session)) {
            startGrace(session, Math.min(RETRY_MS, graceMs));
          }
        }
      }
    });
  }

  /** Expires the session's connections, each in its turn on its shard; fails if any could not be. */
  private Future<Void> expire(String session) {
    long started = System.nanoTime();
    return shards.sessionHandles(owner, session).compose(handles -> {
      List<Future<Boolean>> expiries = new ArrayList<>(handles.size());
      for (long handle : handles) {
        expiries.add(shards.expire(handle, Expiry.sessionEnded(owner, session))
            .map(reply -> reply.getBoolean("expired", false)));
      }
      return Future.join(expiries).transform(all -> {
        long expired = expiries.stream().filter(f -> f.succeeded() && f.result()).count();
        long failed = expiries.stream().filter(Future::failed).count();
        LOG.info("client session {} ended (no socket for {} ms): expired {} of its {} connections in {} ms", session,
            graceMs, expired, handles.size(), (System.nanoTime() - started) / 1_000_000);
        if (failed == 0) {
          return Future.<Void>succeededFuture();
        }
        Throwable first = expiries.stream().filter(Future::failed).findFirst().map(Future::cause).orElse(null);
        problems.warn("expiring the connections of an ended client session failed; retrying", "session " + session
            + ": " + failed + " connections", first);
        return Future.<Void>failedFuture(first);
      });
    });
  }

  /** Sessions with at least one socket. */
  public synchronized int open() {
    return sockets.size();
  }

  /** Sessions waiting out their grace. */
  public synchronized int inGrace() {
    return graceTimers.size();
  }
}
