package dev.connstate.ingress;

import dev.connstate.ops.Metrics;
import dev.connstate.protocol.Addresses;
import dev.connstate.protocol.Command;
import dev.connstate.protocol.CommandFailure;
import dev.connstate.protocol.FailureCode;
import dev.connstate.shard.Shards;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The command consumers: one per address of DESIGN §2, all on this one verticle's event loop,
 * so that the commands one client sends reach the shards in the order it sent them (whatever
 * their addresses). Each body is validated here; a valid command goes to the shard of its
 * handle, and the outcome becomes the reply or a failure with its code. This is the one place
 * that maps failures to replies. The bridge skips the event bus and calls {@link #run}, the same
 * code, from its own event loop (one loop, so its clients' order holds too).
 */
public final class CommandIngress extends VerticleBase implements CommandRunner {
  private static final Logger LOG = LoggerFactory.getLogger(CommandIngress.class);

  private final CommandParser parser;
  private final Shards shards;
  private final Metrics metrics;
  private final List<MessageConsumer<Object>> consumers = new ArrayList<>();
  /** False once stopping: commands are refused as if no consumer were registered any more. */
  private volatile boolean accepting = true;

  public CommandIngress(CommandParser parser, Shards shards, Metrics metrics) {
    this.parser = parser;
    this.shards = shards;
    this.metrics = metrics;
  }

  @Override
  public Future<?> start() {
    List<Future<Void>> registered = new ArrayList<>();
    for (String address : Addresses.COMMANDS) {
      MessageConsumer<Object> consumer = vertx.eventBus().consumer(address, this::received);
      consumers.add(consumer);
      registered.add(consumer.completion());
    }
    return Future.all(registered);
  }

  @Override
  public Future<?> stop() {
    accepting = false;
    List<Future<Void>> unregistered = new ArrayList<>();
    consumers.forEach(c -> unregistered.add(c.unregister()));
    return Future.all(unregistered);
  }

  private void received(Message<Object> message) {
    run(message.address(), message.body()).onComplete(ar -> {
      if (ar.succeeded()) {
        message.reply(ar.result());
      } else {
        ReplyException failure = (ReplyException) ar.cause();
        message.fail(failure.failureCode(), failure.getMessage());
      }
    });
  }

  @Override
  public Future<Object> run(String address, Object body) {
    long started = System.nanoTime();
    if (!accepting) {
      return Future.failedFuture(new ReplyException(ReplyFailure.NO_HANDLERS, -1,
          "No handlers for address " + address));
    }
    Command command;
    try {
      command = parser.parse(address, body);
    } catch (CommandFailure failure) {
      return fail(address, body, failure, started);
    }
    return shards.execute(command).transform(ar -> {
      if (ar.succeeded()) {
        metrics.command(address, "ok", System.nanoTime() - started);
        return Future.succeededFuture(ar.result());
      }
      return fail(address, body, ar.cause(), started);
    });
  }

  private Future<Object> fail(String address, Object body, Throwable cause, long started) {
    int code;
    String text;
    if (cause instanceof CommandFailure failure) {
      code = failure.code();
      text = failure.getMessage();
    } else {
      code = FailureCode.INTERNAL;
      text = "internal error (" + cause + "); the sidecar log has the details";
      LOG.error("bug while executing {}: {}", address, body, cause);
    }
    metrics.command(address, Integer.toString(code), System.nanoTime() - started);
    return Future.failedFuture(new ReplyException(ReplyFailure.RECIPIENT_FAILURE, code, text));
  }
}
