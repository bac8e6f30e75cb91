package dev.connstate.cli.people;

import dev.connstate.client.BridgeClientOptions;
import io.vertx.core.net.NetClientOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Where the people's commands reach a sidecar and how they prove who they are: the bridge's
 * host and port, a token (DESIGN §8; from {@code --token-file} or {@code CONNSTATE_TOKEN}, so it
 * stays out of the shell history and {@code ps}), and TLS. Shared by every such command.
 */
public final class BridgeTarget {
  @Spec(Spec.Target.MIXEE)
  private CommandSpec spec;

  @Option(names = "--host", paramLabel = "HOST", defaultValue = "127.0.0.1",
      description = "The sidecar's bridge host (default ${DEFAULT-VALUE}).")
  private String host;

  @Option(names = "--port", paramLabel = "PORT", defaultValue = "7000",
      description = "The sidecar's bridge port (default ${DEFAULT-VALUE}).")
  private int port;

  @Option(names = "--token-file", paramLabel = "FILE",
      description = "A file holding the bridge token (else the CONNSTATE_TOKEN environment variable).")
  private Path tokenFile;

  @Option(names = "--tls", description = "Speak TLS to the bridge (implied by --ca, --cert).")
  private boolean tls;

  @Option(names = "--ca", paramLabel = "PEM", description = "Trust the bridge certificate signed by this CA.")
  private Path ca;

  @Option(names = "--cert", paramLabel = "PEM", description = "A client certificate (needs --key).")
  private Path cert;

  @Option(names = "--key", paramLabel = "PEM", description = "The client certificate's key.")
  private Path key;

  @Option(names = "--timeout", paramLabel = "MS", defaultValue = "5000",
      description = "How long to wait for the sidecar's answer (default ${DEFAULT-VALUE} ms).")
  private long timeoutMs;

  /** The client options these flags describe; a bad combination is a usage error (exit 2). */
  BridgeClientOptions options() {
    if (port < 1 || port > 65535) {
      throw new ParameterException(spec.commandLine(), "--port: expected 1 to 65535, got " + port);
    }
    if (timeoutMs < 1) {
      throw new ParameterException(spec.commandLine(), "--timeout: expected a positive number of ms");
    }
    if ((cert == null) != (key == null)) {
      throw new ParameterException(spec.commandLine(), "--cert and --key go together");
    }
    BridgeClientOptions options = new BridgeClientOptions().setHost(host).setPort(port)
        .setConnectTimeoutMs((int) Math.min(Integer.MAX_VALUE, timeoutMs)).setRequestTimeoutMs(timeoutMs);
    String token = token();
    if (token != null) {
      options.setToken(token);
    }
    if (tls || ca != null || cert != null) {
      // the JVM's trust store unless --ca names a CA; the host name is always verified
      options.setNetClientOptions(new NetClientOptions().setSsl(true).setHostnameVerificationAlgorithm("HTTPS"));
      if (ca != null) {
        options.setTlsCaPemPath(ca.toString());
      }
      if (cert != null) {
        options.setTlsClientCertificate(cert.toString(), key.toString());
      }
    }
    return options;
  }

  /** {@code host:port}, for messages. */
  String address() {
    return host + ":" + port;
  }

  long timeoutMs() {
    return timeoutMs;
  }

  private String token() {
    if (tokenFile != null) {
      try {
        return Files.readString(tokenFile, StandardCharsets.UTF_8).strip();
      } catch (IOException e) {
        throw new ParameterException(spec.commandLine(), "--token-file: cannot read " + tokenFile + ": "
            + e.getMessage());
      }
    }
    String env = System.getenv("CONNSTATE_TOKEN");
    return env == null || env.isBlank() ? null : env.strip();
  }
}
