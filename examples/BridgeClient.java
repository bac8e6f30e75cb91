import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A minimal connstate TCP-bridge client with no dependencies, run straight from source by any
 * JDK 11+: {@code java examples/BridgeClient.java send connstate.get '{"handle":42}'}.
 *
 * <p>It shows the whole wire protocol (docs/protocol.md): each frame is a 4-byte big-endian
 * length followed by that many bytes of UTF-8 JSON.
 *
 * <pre>
 * send ADDRESS JSON   send one command and print the reply frame
 * watch               register for connstate.events and print every event frame
 * options: --host H (default 127.0.0.1), --port P (default 7000, or $CONNSTATE_BRIDGE_PORT),
 *          --token T (or $CONNSTATE_TOKEN), needed when the sidecar has clients configured
 * </pre>
 */
public class BridgeClient {
  public static void main(String[] args) throws IOException {
    String host = "127.0.0.1";
    String envPort = System.getenv("CONNSTATE_BRIDGE_PORT");
    int port = envPort == null || envPort.isBlank() ? 7000 : Integer.parseInt(envPort.trim());
    String token = System.getenv("CONNSTATE_TOKEN");
    int i = 0;
    while (i < args.length && args[i].startsWith("--")) {
      if (args[i].equals("--host")) {
        host = args[i + 1];
      } else if (args[i].equals("--port")) {
        port = Integer.parseInt(args[i + 1]);
      } else if (args[i].equals("--token")) {
        token = args[i + 1];
      } else {
        usage();
      }
      i += 2;
    }
    if (i >= args.length) {
      usage();
    }
    try (Socket socket = new Socket(host, port)) {
      DataOutputStream out = new DataOutputStream(socket.getOutputStream());
      DataInputStream in = new DataInputStream(socket.getInputStream());
      if (token != null && !token.isBlank()) {
        // authenticates the socket (docs/security.md); the reply names the client and its role
        write(out, "{\"type\":\"send\",\"address\":\"connstate.auth\",\"replyAddress\":\"auth\",\"body\":{\"token\":"
            + quoted(token) + "}}");
        System.err.println(read(in));
      }
      if (args[i].equals("send") && i + 2 < args.length) {
        write(out, "{\"type\":\"send\",\"address\":\"" + args[i + 1] + "\",\"replyAddress\":\"tour\",\"body\":"
            + args[i + 2] + "}");
        System.out.println(read(in));
      } else if (args[i].equals("watch")) {
        write(out, "{\"type\":\"register\",\"address\":\"connstate.events\"}");
        for (String frame; (frame = read(in)) != null; ) {
          System.out.println(frame);
        }
      } else {
        usage();
      }
    }
  }

  private static String quoted(String text) {
    return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  private static void write(DataOutputStream out, String json) throws IOException {
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    out.writeInt(bytes.length);
    out.write(bytes);
    out.flush();
  }

  private static String read(DataInputStream in) throws IOException {
    int length;
    try {
      length = in.readInt();
    } catch (java.io.EOFException e) {
      return null;
    }
    byte[] bytes = new byte[length];
    in.readFully(bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  private static void usage() {
    System.err.println("usage: java examples/BridgeClient.java [--host H] [--port P] [--token T] send ADDRESS JSON | watch");
    System.exit(2);
  }
}
