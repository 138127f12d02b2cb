package io.narthex.alertmanager.notify;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Where receivers may not connect, as Mimir's {@code FirewallDialer} ({@code pkg/util/net/firewall_dialer.go}): the
 * tenant's {@code alertmanager_receivers_firewall_block_cidr_networks}, and with
 * {@code alertmanager_receivers_firewall_block_private_addresses} the private (RFC 1918, RFC 4193), loopback and
 * link-local addresses. The destination's host is resolved and every address it resolves to is checked before
 * connecting; Mimir checks the one address dialled. Go's error text is kept: {@code dial tcp <ip>:<port>: blocked
 * address}.
 *
 * @param blockCidrs the networks refused
 */
public record Firewall(List<Cidr> blockCidrs, boolean blockPrivateAddresses) {
  /** No address refused: Mimir's default. */
  public static final Firewall NONE = new Firewall(List.of(), false);

  public Firewall {
    blockCidrs = List.copyOf(blockCidrs);
  }

  /**
   * A firewall from the limits' strings.
   *
   * @throws IllegalArgumentException naming a network that is not {@code <ip>/<bits>}
   */
  public static Firewall of(List<String> blockCidrs, boolean blockPrivateAddresses) {
    List<Cidr> parsed = new ArrayList<>();
    for (String cidr : blockCidrs) {
      parsed.add(Cidr.parse(cidr));
    }
    return new Firewall(parsed, blockPrivateAddresses);
  }

  boolean blocksNothing() {
    return blockCidrs.isEmpty() && !blockPrivateAddresses;
  }

  /**
   * Refuses {@code host} when any address it resolves to is blocked.
   *
   * @throws NotifyException not retried, with Go's message, for a blocked address; retried when the host does not
   *     resolve
   */
  void check(String host, int port) throws NotifyException {
    if (blocksNothing()) {
      return;
    }
    InetAddress[] addresses;
    try {
      addresses = InetAddress.getAllByName(host);
    } catch (UnknownHostException e) {
      throw new NotifyException("dial tcp: lookup " + host + ": no such host", true, NotifyException.Reason.OTHER);
    }
    for (InetAddress address : addresses) {
      if (blocks(address)) {
        String ip = address instanceof Inet6Address ? "[" + address.getHostAddress() + "]" : address.getHostAddress();
        throw NotifyException.permanent("dial tcp " + ip + ":" + port + ": blocked address ("
            + io.narthex.common.ErrorId.ALERTMANAGER_RECEIVER_BLOCKED_ADDRESS.id() + ")");
      }
    }
  }

  boolean blocks(InetAddress address) {
    if (blockPrivateAddresses && (isPrivate(address) || address.isLoopbackAddress() || address.isLinkLocalAddress()
        || address.isMCLinkLocal())) {
      return true;
    }
    for (Cidr cidr : blockCidrs) {
      if (cidr.contains(address)) {
        return true;
      }
    }
    return false;
  }

  /** Go's {@code net.IP.IsPrivate}: 10/8, 172.16/12, 192.168/16 and fc00::/7. */
  private static boolean isPrivate(InetAddress address) {
    byte[] b = address.getAddress();
    if (b.length == 4) {
      int first = b[0] & 0xff;
      int second = b[1] & 0xff;
      return first == 10 || (first == 172 && (second & 0xf0) == 16) || (first == 192 && second == 168);
    }
    return (b[0] & 0xfe) == 0xfc;
  }

  /** A network, {@code <ip>/<prefix bits>}, as Go's {@code net.ParseCIDR}. */
  public record Cidr(byte[] network, int prefixBits, String text) {
    static Cidr parse(String text) {
      int slash = text.indexOf('/');
      if (slash < 0) {
        throw new IllegalArgumentException("invalid CIDR address: " + text);
      }
      String ip = text.substring(0, slash);
      if (!ip.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*")) {
        throw new IllegalArgumentException("invalid CIDR address: " + text);
      }
      byte[] bytes;
      int bits;
      try {
        bytes = InetAddress.getByName(ip).getAddress();
        bits = Integer.parseInt(text.substring(slash + 1));
      } catch (UnknownHostException | NumberFormatException e) {
        throw new IllegalArgumentException("invalid CIDR address: " + text);
      }
      if (bits < 0 || bits > bytes.length * 8) {
        throw new IllegalArgumentException("invalid CIDR address: " + text);
      }
      return new Cidr(bytes, bits, text);
    }

    boolean contains(InetAddress address) {
      byte[] b = address.getAddress();
      if (b.length != network.length) {
        return false;
      }
      for (int bit = 0; bit < prefixBits; bit++) {
        int mask = 0x80 >>> (bit % 8);
        if ((b[bit / 8] & mask) != (network[bit / 8] & mask)) {
          return false;
        }
      }
      return true;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Cidr other && other.prefixBits == prefixBits && Arrays.equals(other.network, network);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(network) * 31 + prefixBits;
    }

    @Override
    public String toString() {
      return text;
    }
  }
}
