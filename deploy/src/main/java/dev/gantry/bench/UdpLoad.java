package dev.gantry.bench;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

/**
 * A UDP request/response load generator for DNS-shaped messages: the first two bytes are the
 * id, which it rewrites per request to match answers. Two shapes: closed loop (a fixed number
 * in flight per socket: the throughput ceiling) and open loop (a fixed send rate: latency at
 * that load; each latency counts from the intended send time, so a client that falls behind
 * shows up as latency instead of hiding it).
 */
final class UdpLoad {
    record Result(long sent, long received, double seconds, LatencySamples latency) {
        double perSecond() {
            return received / seconds;
        }

        long lost() {
            return sent - received;
        }
    }

    private static final int IDS = 1 << 16;
    private static final int RECEIVE_TIMEOUT_MILLIS = 200;

    private UdpLoad() {
    }

    /** {@code window} requests in flight on each of {@code sockets} sockets for {@code duration}; {@code onReply} sees every answer. */
    static Result closedLoop(InetSocketAddress target, List<byte[]> requests, int sockets, int window, Duration duration,
                             ReplyCheck onReply) throws InterruptedException {
        List<Thread> threads = new ArrayList<>();
        List<Result> results = new ArrayList<>();
        for (int s = 0; s < sockets; s++) {
            int offset = s * 7919;
            Thread t = new Thread(() -> {
                try {
                    Result r = closedLoopOne(target, requests, offset, window, duration, onReply);
                    synchronized (results) {
                        results.add(r);
                    }
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }, "load-" + s);
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) t.join();
        return merge(results, duration);
    }

    private static Result closedLoopOne(InetSocketAddress target, List<byte[]> requests, int offset, int window,
                                        Duration duration, ReplyCheck onReply) throws IOException {
        long[] sentAt = new long[IDS];
        LatencySamples latency = new LatencySamples();
        long sent = 0, received = 0;
        int next = offset;
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            socket.connect(target);
            socket.setSoTimeout(RECEIVE_TIMEOUT_MILLIS);
            socket.setReceiveBufferSize(1 << 20);
            byte[] in = new byte[4096];
            DatagramPacket reply = new DatagramPacket(in, in.length);
            long end = System.nanoTime() + duration.toNanos();
            int id = 0;
            for (int i = 0; i < window; i++, sent++) id = send(socket, requests.get(next++ % requests.size()), id, sentAt);
            while (System.nanoTime() < end) {
                try {
                    socket.receive(reply);
                } catch (SocketTimeoutException lost) {
                    for (int i = 0; i < window; i++, sent++) id = send(socket, requests.get(next++ % requests.size()), id, sentAt);
                    continue;
                }
                long now = System.nanoTime();
                int rid = ((in[0] & 0xFF) << 8) | (in[1] & 0xFF);
                if (sentAt[rid] == 0) continue;
                latency.add(now - sentAt[rid]);
                sentAt[rid] = 0;
                received++;
                onReply.check(in, reply.getLength());
                id = send(socket, requests.get(next++ % requests.size()), id, sentAt);
                sent++;
            }
        }
        // Still in flight when time ran out: neither answered nor lost.
        for (long at : sentAt) if (at != 0) sent--;
        return new Result(sent, received, duration.toNanos() / 1e9, latency);
    }

    private static int send(DatagramSocket socket, byte[] request, int id, long[] sentAt) throws IOException {
        byte[] b = request.clone();
        b[0] = (byte) (id >>> 8);
        b[1] = (byte) id;
        sentAt[id] = System.nanoTime();
        socket.send(new DatagramPacket(b, b.length));
        return (id + 1) % IDS;
    }

    /** {@code rate} requests a second from one socket for {@code duration}; answers are awaited a little longer. */
    static Result openLoop(InetSocketAddress target, List<byte[]> requests, int rate, Duration duration, ReplyCheck onReply)
            throws IOException, InterruptedException {
        AtomicLongArray intended = new AtomicLongArray(IDS);
        LatencySamples latency = new LatencySamples();
        long[] counts = new long[2];
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            socket.connect(target);
            socket.setSoTimeout(RECEIVE_TIMEOUT_MILLIS);
            socket.setReceiveBufferSize(1 << 20);
            long start = System.nanoTime();
            long end = start + duration.toNanos();
            Thread receiver = new Thread(() -> {
                byte[] in = new byte[4096];
                DatagramPacket reply = new DatagramPacket(in, in.length);
                while (System.nanoTime() < end + 500_000_000L) {
                    try {
                        socket.receive(reply);
                    } catch (SocketTimeoutException e) {
                        continue;
                    } catch (IOException e) {
                        return;
                    }
                    long now = System.nanoTime();
                    int rid = ((in[0] & 0xFF) << 8) | (in[1] & 0xFF);
                    long at = intended.getAndSet(rid, 0);
                    if (at == 0) continue;
                    latency.add(now - at);
                    counts[1]++;
                    onReply.check(in, reply.getLength());
                }
            }, "load-receiver");
            receiver.start();
            long interval = 1_000_000_000L / rate;
            long due = start;
            int id = 0, next = 0;
            long sent = 0;
            while (due < end) {
                long now = System.nanoTime();
                if (now < due) {
                    LockSupport.parkNanos(due - now);
                    continue;
                }
                byte[] b = requests.get(next++ % requests.size()).clone();
                b[0] = (byte) (id >>> 8);
                b[1] = (byte) id;
                intended.set(id, due);
                socket.send(new DatagramPacket(b, b.length));
                sent++;
                id = (id + 1) % IDS;
                due += interval;
            }
            counts[0] = sent;
            receiver.join();
        }
        return new Result(counts[0], counts[1], duration.toNanos() / 1e9, latency);
    }

    private static Result merge(List<Result> results, Duration duration) {
        LatencySamples all = new LatencySamples();
        long sent = 0, received = 0;
        for (Result r : results) {
            all.addAll(r.latency());
            sent += r.sent();
            received += r.received();
        }
        return new Result(sent, received, duration.toNanos() / 1e9, all);
    }

    /** Sees each answer (bytes valid only during the call); called from the load threads. */
    interface ReplyCheck {
        void check(byte[] message, int length);

        ReplyCheck NONE = (m, l) -> { };
    }
}
