package dev.connstate.ingress.bridge;

import dev.connstate.config.ConfigException;
import dev.connstate.config.ConfigLoader;
import dev.connstate.config.SidecarConfig;
import dev.connstate.ingress.CommandRunner;
import dev.connstate.ops.MetricNames;
import dev.connstate.ops.Metrics;
import dev.connstate.ops.RateLimitedLog;
import io.netty.channel.ChannelPipeline;
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
 *
 * <p>With {@code bridge.tls.*} the port speaks only TLS ({@link BridgeTls}); with a client CA, a
 * socket is authenticated by its certificate's CN before it reads a frame, and a certificate
 * naming no configured client is closed at once. A failed handshake is counted and logged too.
 */
public final class BridgeServer extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(BridgeServer.class);
  /** At most this many replies wait for one flush (Netty's default). */
  private static final int FLUSH_AFTER_WRITES = 256;
  /** The name Vert.x gives the TLS handler in a socket's pipeline. */
  private static final String SSL_HANDLER = "ssl";

  private final SidecarConfig.BridgeSettings settings;
  private final Metrics metrics;
  private final RateLimitedLog problems;
  private final ClientRegistry clients;
  private final BridgeTls tls;
  private final SessionTies sessions;
  private CommandRunner commands;
  private volatile BridgeContext context;
  private NetServer server;

  /**
   * Reads the configured clients and TLS files now: a bad client list, an unreadable certificate
   * or an unsafe binding fails here, with a {@link ConfigException}.
   *
   * @param sessions told which socket announced which client session, and when it closed
   */
  public BridgeServer(SidecarConfig.BridgeSettings settings, Metrics metrics, RateLimitedLog problems,
                      SessionTies sessions) {
    this.settings = settings;
    this.sessions = sessions;
    this.metrics = metrics;
    this.problems = problems;
    this.clients = ClientRegistry.load(settings);
    this.tls = BridgeTls.of(settings, clients);
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

  /** Sends the bridge's commands to {@code runner} (the ingress); required before the bridge is deployed. */
  public void dispatchTo(CommandRunner runner) {
    this.commands = runner;
  }

  @Override
  public Future<?> start() {
    if (commands == null) {
      return Future.failedFuture(new IllegalStateException("the bridge was deployed before it was given the ingress"));
    }
    context = new BridgeContext(settings, clients, vertx.eventBus(), commands, metrics, problems, sessions);
    NetServerOptions options = new NetServerOptions().setHost(settings.host()).setPort(settings.port())
        .setTcpNoDelay(true);
    server = vertx.createNetServer(tls == null ? options : tls.apply(options));
    server.connectHandler(this::connected);
    if (tls != null) {
      server.exceptionHandler(this::handshakeFailed);
    }
    return server.listen()
        .recover(e -> Future.failedFuture(new IllegalStateException("cannot listen on " + settings.host() + ":"
            + settings.port() + " for the TCP bridge (set bridge.port / CONNSTATE_BRIDGE_PORT): " + e.getMessage(), e)))
        .onSuccess(s -> LOG.info("TCP event-bus bridge listening on {}:{} ({}; {})", settings.host(), s.actualPort(),
            tls == null ? "plain TCP" : tls.describe(),
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
    Principal certified = null;
    if (tls != null && tls.clientCertificates()) {
      certified = certified(socket);
      if (certified == null) {
        return;
      }
    }
    ChannelPipeline pipeline = ((NetSocketInternal) socket).channelHandlerContext().pipeline();
    // replies finish on many tasks of one event-loop turn: one write syscall for all of them (and,
    // under TLS, one record: the handler then sits before the encryption)
    FlushConsolidationHandler consolidation = new FlushConsolidationHandler(FLUSH_AFTER_WRITES, true);
    if (pipeline.get(SSL_HANDLER) != null) {
      pipeline.addAfter(SSL_HANDLER, "flushConsolidation", consolidation);
    } else {
      pipeline.addFirst(consolidation);
    }
    BridgeSession session = new BridgeSession(socket, vertx, context, certified);
    context.opened(session);
    session.start();
  }

  /**
   * The configured client a socket's certificate names (its CN); null, with the socket closed,
   * counted and logged, if it names none. The handshake already checked the certificate itself.
   */
  private Principal certified(NetSocket socket) {
    String name = BridgeTls.clientName(socket).orElse(null);
    Principal client = name == null ? null : clients.byName(name).orElse(null);
    if (client != null) {
      metrics.bridgeAuthentication(MetricNames.AUTH_OK);
      LOG.info("bridge client {} authenticated as {} ({}) by its certificate", socket.remoteAddress(), client.name(),
          client.role().wire());
      return client;
    }
    String detail = name == null ? "the client certificate has no single subject CN to name a client"
        : "the client certificate's CN '" + printable(name) + "' names no configured client";
    metrics.bridgeAuthentication(MetricNames.AUTH_REFUSED);
    metrics.bridgeClosed(MetricNames.CLOSED_UNKNOWN_CERTIFICATE);
    problems.warn("bridge client closed (" + MetricNames.CLOSED_UNKNOWN_CERTIFICATE + ")",
        socket.remoteAddress() + ": " + detail, null);
    socket.write(Frames.encode(Frames.error(MetricNames.CLOSED_UNKNOWN_CERTIFICATE, detail)));
    socket.close().onFailure(e -> LOG.debug("closing bridge client {}: {}", socket.remoteAddress(), e.getMessage()));
    return null;
  }

  /** A certificate's CN for a log line or an err frame: at most 128 characters, no control characters. */
  private static String printable(String name) {
    String shown = name.length() > 128 ? name.substring(0, 128) + "…" : name;
    return shown.replaceAll("\\p{Cntrl}", "?");
  }

  /** A TLS handshake failed before the socket reached {@link #connected}: Vert.x closed it. */
  private void handshakeFailed(Throwable failure) {
    metrics.bridgeClosed(MetricNames.CLOSED_TLS_HANDSHAKE);
    problems.warn("bridge client closed (" + MetricNames.CLOSED_TLS_HANDSHAKE + ")",
        BridgeTls.handshakeFailure(failure), null);
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
