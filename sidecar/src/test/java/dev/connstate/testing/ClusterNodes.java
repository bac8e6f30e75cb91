package dev.connstate.testing;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/** {@code CLUSTER NODES} as one node sees the cluster: who is master of which slots, who replicates whom. */
final class ClusterNodes {
  private ClusterNodes() {
  }

  /** One line of {@code CLUSTER NODES}. */
  record Node(String id, int port, Set<String> flags, String masterId, boolean connected, List<int[]> slots) {
    boolean master() {
      return flags.contains("master");
    }

    boolean failing() {
      return flags.contains("fail") || flags.contains("fail?") || !connected;
    }

    boolean serves(int slot) {
      return slots.stream().anyMatch(range -> range[0] <= slot && slot <= range[1]);
    }
  }

  /** {@code <id> <ip:port@cport> <flags> <master> <ping> <pong> <epoch> <link> <slot>...} per line. */
  static List<Node> parse(String reply) {
    List<Node> nodes = new ArrayList<>();
    for (String line : reply.split("\r?\n")) {
      if (line.isBlank()) {
        continue;
      }
      String[] f = line.trim().split(" ");
      String address = f[1].split("[@,]")[0];
      int port = Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
      Set<String> flags = Set.of(f[2].split(","));
      List<int[]> slots = new ArrayList<>();
      for (String range : Arrays.asList(f).subList(8, f.length)) {
        if (!range.startsWith("[")) {
          String[] ends = range.split("-");
          int from = Integer.parseInt(ends[0]);
          slots.add(new int[] {from, ends.length > 1 ? Integer.parseInt(ends[1]) : from});
        }
      }
      nodes.add(new Node(f[0], port, flags, f[3], flags.contains("myself") || "connected".equals(f[7]), slots));
    }
    return nodes;
  }

  /** The healthy master serving {@code slot}, or null. */
  static Node servingSlot(List<Node> view, int slot) {
    return view.stream().filter(n -> n.master() && !n.failing() && n.serves(slot)).findFirst().orElse(null);
  }

  static Node byId(List<Node> view, String id) {
    return view.stream().filter(n -> n.id().equals(id)).findFirst()
        .orElseThrow(() -> new AssertionError("no node " + id + " in " + view));
  }

  /**
   * What is wrong with this view, or null: every running node known and healthy, exactly
   * {@code replicas} of them replicas, each of a running master.
   */
  static String problem(List<Node> view, Set<Integer> running, int replicas) {
    int seenReplicas = 0;
    for (int port : running) {
      Node node = view.stream().filter(n -> n.port() == port).findFirst().orElse(null);
      if (node == null || node.failing()) {
        return node == null ? port + " unknown" : port + " as " + node.flags() + (node.connected() ? "" : ", disconnected");
      }
      if (!node.master()) {
        seenReplicas++;
        Node master = view.stream().filter(n -> n.id().equals(node.masterId())).findFirst().orElse(null);
        if (master == null || !master.master() || master.failing() || !running.contains(master.port())) {
          return port + " replicating " + (master == null ? node.masterId() : master.port() + " " + master.flags());
        }
      }
    }
    return seenReplicas == replicas ? null : seenReplicas + " replicas, not " + replicas;
  }
}
