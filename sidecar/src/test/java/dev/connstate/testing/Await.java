package dev.connstate.testing;

import io.vertx.core.Future;
import io.vertx.core.eventbus.ReplyException;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Blocking waits for tests (never on an event loop): for a future, or for a condition to become true. */
public final class Await {
  public static final Duration DEFAULT = Duration.ofSeconds(20);

  private Await() {
  }

  /** The result of {@code future}, failing the test if it fails or takes longer than 20 s. */
  public static <T> T result(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(DEFAULT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new AssertionError("expected success, got " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    } catch (TimeoutException e) {
      throw new AssertionError("no result within " + DEFAULT, e);
    }
  }

  /** The {@link ReplyException} {@code future} fails with, failing the test if it succeeds. */
  public static ReplyException failure(Future<?> future) {
    try {
      Object value = future.toCompletionStage().toCompletableFuture().get(DEFAULT.toMillis(), TimeUnit.MILLISECONDS);
      throw new AssertionError("expected a failure, got " + value);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof ReplyException reply) {
        return reply;
      }
      throw new AssertionError("expected a ReplyException, got " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    } catch (TimeoutException e) {
      throw new AssertionError("no failure within " + DEFAULT, e);
    }
  }

  /** Whatever {@code future} fails with, failing the test if it succeeds or takes longer than 20 s. */
  public static Throwable failureOf(Future<?> future) {
    try {
      Object value = future.toCompletionStage().toCompletableFuture().get(DEFAULT.toMillis(), TimeUnit.MILLISECONDS);
      throw new AssertionError("expected a failure, got " + value);
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    } catch (TimeoutException e) {
      throw new AssertionError("no failure within " + DEFAULT, e);
    }
  }

  /**
   * Waits until {@code condition} holds, checking every 10 ms, for state that converges in the
   * background (write-behind, another sidecar) and has no event to wait on.
   */
  public static void until(String what, Duration timeout, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not true within " + timeout + ": " + what);
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  /**
   * Waits until {@code missing} answers null, checking every 50 ms, for a topology that settles
   * by itself (a failover, a replica catching up). {@code missing} names what is not there yet; a
   * check that throws (a node still down) counts as not yet. The timeout's message ends with the
   * last thing found missing.
   */
  public static void settled(String what, Duration timeout, Supplier<String> missing) {
    long deadline = System.nanoTime() + timeout.toNanos();
    String last;
    while ((last = ask(missing)) != null) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not true within " + timeout + ": " + what + "; still missing: " + last);
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  private static String ask(Supplier<String> missing) {
    try {
      return missing.get();
    } catch (RuntimeException | AssertionError e) {
      return "(check failed: " + e.getMessage() + ")";
    }
  }
}
