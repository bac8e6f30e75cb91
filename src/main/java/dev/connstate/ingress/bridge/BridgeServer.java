package dev.connstate.ingress.bridge;

import dev.connstate.config.SidecarConfig;
import dev.connstate.ops.Metrics;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.net.NetServer;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetServerOptions;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TCP event-bus bridge (DESIGN §2 and appendix), served by connstate's own code so that it
 * can enforce what the stock bridge does not: a frame size limit, an error frame for invalid
 * JSON and unknown types, back-pressure per client. Inbound only the {@code connstate.*}
 * command addresses; outbound only {@code connstate.events} and replies. A malformed frame
 * affects only the client that sent it.
 */
public final class BridgeServer extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(BridgeServer.class);
  /** At most this many replies wait for one flush (Netty's default). */
  private static final int FLUSH_AFTER_WRITES = 256;

  private final SidecarConfig.BridgeSettings settings;
  private final Metrics metrics;
  private final AtomicInteger clients = new AtomicInteger();
  private NetServer server;

  public BridgeServer(SidecarConfig.BridgeSettings settings, Metrics metrics) {
    this.settings = settings;
    this.metrics = metrics;
    metrics.gauge(dev.connstate.ops.MetricNames.BRIDGE_CLIENTS, clients::get);
  }

  @Override
  public Future<?> start() {
    server = vertx.createNetServer(new NetServerOptions().setHost(settings.host()).setPort(settings.port())
        .setTcpNoDelay(true));
    server.connectHandler(socket -> {
      // replies finish on many tasks of one event-loop turn: one write syscall for all of them
      ((NetSocketInternal) socket).channelHandlerContext().pipeline()
          .addFirst(new FlushConsolidationHandler(FLUSH_AFTER_WRITES, true));
      clients.incrementAndGet();
      new BridgeSession(socket, vertx.eventBus(), settings, metrics, clients::decrementAndGet).start();
    });
    return server.listen()
        .recover(e -> Future.failedFuture(new IllegalStateException("cannot listen on " + settings.host() + ":"
            + settings.port() + " for the TCP bridge (set bridge.port / CONNSTATE_BRIDGE_PORT): " + e.getMessage(), e)))
        .onSuccess(s -> LOG.info("TCP event-bus bridge listening on {}:{}", settings.host(), s.actualPort()));
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
    return clients.get();
  }

  /** The port the bridge listens on (the chosen one when configured as 0). */
  public int actualPort() {
    return server.actualPort();
  }
}
