package dev.connstate.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * One HTTP GET to a sidecar's endpoints, on a fresh connection that is closed afterwards and
 * with a 10 s timeout: a sidecar's port can be reused by the next test's sidecar, and a pooled
 * keep-alive connection to the old one would hang the request.
 */
public final class Http {
  /** Status and body of one response. */
  public record Response(int status, String body, String contentType) {
  }

  private Http() {
  }

  /** GET {@code http://127.0.0.1:port/path}; fails with an {@link UncheckedIOException} if nothing answers. */
  public static Response get(int port, String path) {
    try {
      HttpURLConnection connection = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + path).toURL()
          .openConnection();
      connection.setConnectTimeout(10_000);
      connection.setReadTimeout(10_000);
      connection.setRequestProperty("Connection", "close");
      try {
        int status = connection.getResponseCode();
        InputStream in = status >= 400 ? connection.getErrorStream() : connection.getInputStream();
        String body = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        return new Response(status, body, connection.getContentType());
      } finally {
        connection.disconnect();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
