package dev.connstate.cli.people;

import dev.connstate.client.BadRequestException;
import dev.connstate.client.ConflictException;
import dev.connstate.client.ConnStateClient;
import dev.connstate.client.ForbiddenException;
import dev.connstate.client.NotFoundException;
import dev.connstate.client.OutcomeUnknownException;
import dev.connstate.client.UnauthenticatedException;
import dev.connstate.client.UnavailableException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * A command for the people who run the game (DESIGN §9): it opens a bridge client to one
 * sidecar, runs, prints a table (or JSON lines with {@code --json}) and exits with a code per
 * failure class, so scripts can tell them apart:
 * <ul>
 *   <li>0: done;</li>
 *   <li>1: the sidecar failed (500) or something unexpected happened;</li>
 *   <li>2: a usage error (a bad flag or argument; picocli's own);</li>
 *   <li>3: no such connection (404);</li>
 *   <li>4: refused: not authenticated (401), not allowed (403), a bad request (400) or a conflict (409);</li>
 *   <li>5: the sidecar is unreachable, or could not answer in time (503, no answer): retry later.</li>
 * </ul>
 */
abstract class PeopleCommand implements Callable<Integer> {
  static final int OK = 0;
  static final int FAILED = 1;
  static final int NOT_FOUND = 3;
  static final int REFUSED = 4;
  static final int UNAVAILABLE = 5;

  @Spec
  CommandSpec spec;

  @Mixin
  BridgeTarget target;

  @Option(names = "--json", description = "Print JSON (one object per line) instead of a table.")
  boolean json;

  @Override
  public final Integer call() {
    Vertx vertx = Vertx.vertx();
    ConnStateClient client = ConnStateClient.bridge(vertx, target.options());
    try {
      return run(client, out());
    } catch (ExecutionException e) {
      return failed(e.getCause());
    } catch (TimeoutException e) {
      return failed(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return FAILED;
    } finally {
      client.close();
      vertx.close();
    }
  }

  /** Does the work; {@link #await} the client's futures. */
  abstract int run(ConnStateClient client, PrintWriter out)
      throws ExecutionException, TimeoutException, InterruptedException;

  PrintWriter out() {
    return spec.commandLine().getOut();
  }

  /** The future's result, waiting a little longer than the client's own timeout (which answers first). */
  <T> T await(Future<T> future) throws ExecutionException, TimeoutException, InterruptedException {
    return future.toCompletionStage().toCompletableFuture().get(target.timeoutMs() + 2_000, TimeUnit.MILLISECONDS);
  }

  private int failed(Throwable cause) {
    PrintWriter err = spec.commandLine().getErr();
    int code;
    String what;
    if (cause instanceof NotFoundException) {
      code = NOT_FOUND;
      what = "not found";
    } else if (cause instanceof UnauthenticatedException || cause instanceof ForbiddenException
        || cause instanceof BadRequestException || cause instanceof ConflictException) {
      code = REFUSED;
      what = cause instanceof UnauthenticatedException ? "not authenticated (set CONNSTATE_TOKEN or --token-file)"
          : "refused";
    } else if (cause instanceof UnavailableException) {
      code = UNAVAILABLE;
      what = "unavailable, retry later";
    } else if (cause instanceof OutcomeUnknownException || cause instanceof TimeoutException) {
      code = UNAVAILABLE;
      what = "no answer from the sidecar at " + target.address() + " (is it running, is --port right?)";
    } else {
      code = FAILED;
      what = "failed";
    }
    err.println("connstate " + spec.name() + ": " + what + ": " + cause.getMessage());
    err.flush();
    return code;
  }
}
