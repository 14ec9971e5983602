interface Env {
  /**
   * Set by local-edge only: the address every client of the edge has when the edge listens on a
   * loopback socket of its own (packages/local-edge `withPublicSocket`). Cloudflare's front line
   * sets `CF-Connecting-IP` on every request to the deployed edge; locally nothing in front of the
   * edge does, so a request without that header came from this address. Never set when deployed.
   */
  LOCAL_PEER_IP?: string;
  /**
   * Set by local-edge only: how long (ms) workerd's event loop may go without polling its sockets
   * before a new request waits for a poll (socket-poll.ts). Unset or 0 when deployed.
   */
  LOCAL_SOCKET_POLL_MS?: string;
}
