package dev.connstate.ingress.bridge;

import dev.connstate.config.ConfigException;
import dev.connstate.config.ConfigLoader;
import dev.connstate.config.SidecarConfig;
import dev.connstate.ops.MetricNames;
import dev.connstate.ops.Metrics;
import dev.connstate.ops.RateLimitedLog;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TCP event-bus bridge (DESIGN §2, §8 and appendix), served by connstate's own code so
 * that it can enforce what the stock bridge does not: authentication and roles, a frame size
 * and time limit, memory bounds over all sockets, at most {@code maxClients} sockets, error
 * frames for bad input. Inbound only the command addresses a socket's role allows; outbound
 * only {@code connstate.events} and replies. A hostile socket affects only itself.
 *
 * <p>Safe by default: with no clients configured every socket is admitted, so the bridge must
 * listen on loopback only; another interface without clients is refused at start unless
 * {@code bridge.allowUnauthenticated} says otherwise (and then warned about at every start).
 */
public final class BridgeServer extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(BridgeServer.class);
  /** At most this many replies wait for one flush (Netty's default). */
  private static final int FLUSH_AFTER_WRITES = 256;

  private final SidecarConfig.BridgeSettings settings;
  private final Metrics metrics;
  private final RateLimitedLog problems;
  private final ClientRegistry clients;
  private volatile BridgeContext context;
  private NetServer server;

  /** Reads the configured clients now: a bad client list or an unsafe binding fails here. */
  public BridgeServer(SidecarConfig.BridgeSettings settings, Metrics metrics, RateLimitedLog problems) {
    this.settings = settings;
    this.metrics = metrics;
    this.problems = problems;
    this.clients = ClientRegistry.load(settings);
    requireSafeBinding();
    metrics.gauge(MetricNames.BRIDGE_CLIENTS, () -> context == null ? 0 : context.open());
  }

  private void requireSafeBinding() {
    if (!clients.open() || settings.loopbackOnly()) {
      return;
    }
    if (!settings.allowUnauthenticated()) {
      throw new ConfigException("bridge.host is " + settings.host() + ", not loopback, and no bridge client is "
          + "configured: any process that reaches it could change every connection of the game. Configure clients ("
          + ConfigLoader.envName("bridge.clients") + " or " + ConfigLoader.envName("bridge.clientsFile")
          + ", see docs/security.md), bind 127.0.0.1 (" + ConfigLoader.envName("bridge.host") + "), or set "
          + ConfigLoader.envName("bridge.allowUnauthenticated") + "=true to accept the risk");
    }
    LOG.warn("THE BRIDGE ACCEPTS ANY CLIENT on {}: no client is configured and bridge.allowUnauthenticated is true. "
        + "Anyone who reaches this port controls every connection of the game.", settings.host());
  }

  @Override
  public Future<?> start() {
    context = new BridgeContext(settings, clients, vertx.eventBus(), metrics, problems);
    server = vertx.createNetServer(new NetServerOptions().setHost(settings.host()).setPort(settings.port())
        .setTcpNoDelay(true));
    server.connectHandler(this::connected);
    return server.listen()
        .recover(e -> Future.failedFuture(new IllegalStateException("cannot listen on " + settings.host() + ":"
            + settings.port() + " for the TCP bridge (set bridge.port / CONNSTATE_BRIDGE_PORT): " + e.getMessage(), e)))
        .onSuccess(s -> LOG.info("TCP event-bus bridge listening on {}:{} ({})", settings.host(), s.actualPort(),
            clients.open() ? "no clients configured: every local socket is admitted"
                : clients.size() + " clients configured: sockets must authenticate"));
  }

  private void connected(NetSocket socket) {
    if (context.open() >= settings.maxClients()) {
      metrics.bridgeClosed(MetricNames.CLOSED_TOO_MANY_CLIENTS);
      problems.warn("bridge client refused: bridge.maxClients (" + settings.maxClients() + ") sockets are open",
          String.valueOf(socket.remoteAddress()), null);
      socket.close();
      return;
    }
    // replies finish on many tasks of one event-loop turn: one write syscall for all of them
    ((NetSocketInternal) socket).channelHandlerContext().pipeline()
        .addFirst(new FlushConsolidationHandler(FLUSH_AFTER_WRITES, true));
    BridgeSession session = new BridgeSession(socket, vertx, context, null);
    context.opened(session);
    session.start();
  }

  @Override
  public Future<?> stop() {
    return server == null ? Future.succeededFuture() : server.close();
  }

  /** True once the bridge listens (and until it stops). */
  public boolean listening() {
    return server != null && server.actualPort() > 0;
  }

  /** Bridge clients connected now. */
  public int clients() {
    return context == null ? 0 : context.open();
  }

  /** The port the bridge listens on (the chosen one when configured as 0). */
  public int actualPort() {
    return server.actualPort();
  }
}
