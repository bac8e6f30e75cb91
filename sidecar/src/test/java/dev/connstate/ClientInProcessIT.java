package dev.connstate;

import dev.connstate.client.ConnStateClient;
import dev.connstate.testing.TestRedis;
import dev.connstate.testing.TestSidecar;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link ClientContract} on the event bus of a sidecar in this JVM ({@link ConnStateClient#inProcess}). */
class ClientInProcessIT extends ClientContract {
  @RegisterExtension
  static final TestRedis redis = TestRedis.perClass();
  static TestSidecar sidecar;

  @BeforeAll
  static void start() {
    sidecar = TestSidecar.start(redis, TestSidecar.newPrefix("client-in-process"), "client-in-process");
  }

  @AfterAll
  static void stop() {
    if (sidecar != null) {
      sidecar.close();
    }
  }

  @Override
  ConnStateClient client() {
    return sidecar.client();
  }
}
