package dev.connstate.bench;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The jar this command runs from: the benchmarks start their sidecars from it. */
final class SidecarJar {
  private SidecarJar() {
  }

  /** {@code explicit} when given, else this jar; fails with what to do when neither is a jar. */
  static Path locate(Path explicit) {
    Path jar = explicit;
    if (jar == null) {
      try {
        jar = Path.of(SidecarJar.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      } catch (URISyntaxException | SecurityException | NullPointerException e) {
        throw new IllegalStateException("cannot tell which jar this is; pass --jar target/connstate.jar", e);
      }
    }
    if (!Files.isRegularFile(jar) || !jar.toString().endsWith(".jar")) {
      throw new IllegalStateException(jar + " is not the packaged jar: run `mvn -B package` and "
          + "`java -jar target/connstate.jar bench …`, or pass --jar");
    }
    return jar;
  }
}
