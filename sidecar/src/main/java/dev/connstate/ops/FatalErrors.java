package dev.connstate.ops;

import io.vertx.core.Vertx;

/**
 * A JVM out of memory is in no state to go on: threads die one by one, and a sidecar that no
 * longer answers but still holds its port is worse than one that exits and is restarted
 * (DESIGN §8: "on an OutOfMemoryError serve exits rather than hangs"). Wherever a failure can
 * surface — an uncaught exception, a Vert.x handler, a socket — it is looked at here, and an
 * {@link OutOfMemoryError} halts the process with status 3. {@code -XX:+ExitOnOutOfMemoryError}
 * (in the Docker image and the README's command) is the same guarantee from the JVM itself.
 */
public final class FatalErrors {
  /** The exit status after an out-of-memory error. */
  public static final int OUT_OF_MEMORY = 3;

  private FatalErrors() {
  }

  /** Halts the process if {@code failure} is, or was caused by, an {@link OutOfMemoryError}. */
  public static void exitIfOutOfMemory(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof OutOfMemoryError) {
        // no logging framework: it may need memory there is none of
        System.err.println("connstate: out of memory (" + t.getMessage() + "); exiting with status " + OUT_OF_MEMORY
            + " so that it is restarted");
        Runtime.getRuntime().halt(OUT_OF_MEMORY);
      }
    }
  }

  /** Routes the process's uncaught exceptions through {@link #exitIfOutOfMemory}. */
  public static void installProcessWide() {
    Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
    Thread.setDefaultUncaughtExceptionHandler((thread, failure) -> {
      exitIfOutOfMemory(failure);
      if (previous != null) {
        previous.uncaughtException(thread, failure);
      } else {
        System.err.println("uncaught exception in " + thread.getName() + ": " + failure);
        failure.printStackTrace();
      }
    });
  }

  /** Routes the failures Vert.x catches in handlers through {@link #exitIfOutOfMemory}. */
  public static void install(Vertx vertx) {
    vertx.exceptionHandler(FatalErrors::exitIfOutOfMemory);
  }
}
