package dev.gantry.agent.network.dns;

import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static dev.gantry.agent.network.dns.LookupTest.replica;
import static org.assertj.core.api.Assertions.assertThat;

/** Garbage on the wire never stops the server: after each barrage a well-formed query still gets its answer. */
class MalformedQueryTest {
    private static final long SEED = Long.getLong("dns.fuzz.seed", 20261207L);

    private final ServiceCatalog catalog = new ServiceCatalog();
    private FakeUpstream upstream;
    private DnsServer server;
    private DnsTestClient attacker;
    private DnsTestClient client;

    @BeforeEach
    void start() throws IOException {
        catalog.replaceAll(List.of(replica("cache", 0, "10.0.0.1", true)));
        upstream = new FakeUpstream(false);
        server = DnsServer.start(catalog, new DnsServer.Settings(new InetSocketAddress("127.0.0.1", 0),
                List.of(upstream.address()), Duration.ofMillis(500)));
        attacker = new DnsTestClient(server.address(), 50);
        client = new DnsTestClient(server.address(), 1_000);
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        attacker.close();
        server.close();
        upstream.close();
    }

    /** A burst may overflow the socket buffer and drop the check's datagram too, so it retries as resolvers do. */
    private void stillAnswers() throws IOException {
        DnsTestClient.Reply r = null;
        for (int attempt = 0; r == null; attempt++) {
            try {
                r = client.ask("0.cache.default.gantry.", DnsRecordType.A);
            } catch (SocketTimeoutException e) {
                if (attempt == 2) throw e;
            }
        }
        assertThat(r.code()).isEqualTo(DnsResponseCode.NOERROR);
        assertThat(r.answers()).containsExactly("0.cache.default.gantry. A 5 10.0.0.1");
    }

    @Test
    void randomDatagrams() throws IOException {
        Random random = new Random(SEED);
        for (int i = 1; i <= 3_000; i++) {
            byte[] b = new byte[random.nextInt(600)];
            random.nextBytes(b);
            attacker.send(b);
            if (i % 50 == 0) stillAnswers();
        }
    }

    @Test
    void everyTruncationOfAValidQuery() throws IOException {
        byte[] valid = DnsTestClient.query(7, "cache.default.gantry.", DnsRecordType.A, true);
        for (int len = 0; len < valid.length; len++) attacker.send(Arrays.copyOf(valid, len));
        stillAnswers();
    }

    @Test
    void huge_counts_loops_and_overlong_names() throws IOException {
        byte[] valid = DnsTestClient.query(7, "cache.default.gantry.", DnsRecordType.A, false);
        for (int field = 4; field <= 10; field += 2) {
            byte[] b = valid.clone();
            b[field] = (byte) 0xFF;
            b[field + 1] = (byte) 0xFF;
            attacker.send(b);
        }
        // A name that points at itself (compression loop), and one far over 255 bytes.
        attacker.send(new byte[]{0, 9, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, (byte) 0xC0, 12, 0, 1, 0, 1});
        byte[] longName = new byte[12 + 64 * 10 + 1 + 4];
        longName[5] = 1;
        for (int i = 0; i < 10; i++) {
            longName[12 + i * 64] = 63;
            Arrays.fill(longName, 13 + i * 64, 12 + (i + 1) * 64, (byte) 'a');
        }
        longName[longName.length - 3] = 1;
        longName[longName.length - 1] = 1;
        attacker.send(longName);
        stillAnswers();
    }

    @Test
    void aResponseSentToTheServerIsNotAnswered() throws IOException {
        byte[] response = DnsTestClient.query(9, "cache.default.gantry.", DnsRecordType.A, false);
        response[2] |= (byte) 0x80;
        attacker.send(response);
        try {
            byte[] got = attacker.receive();
            throw new AssertionError("answered a response with " + got.length + " bytes");
        } catch (SocketTimeoutException expected) {
            // nothing came back within the attacker's 50 ms; the next query proves the server is alive
        }
        stillAnswers();
    }

    @Test
    void aQueryWithoutQuestionsIsFormerr() throws IOException {
        byte[] empty = {0, 11, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        client.send(empty);
        DnsTestClient.Reply r = DnsTestClient.decode(client.receive());
        assertThat(r.id()).isEqualTo(11);
        assertThat(r.code()).isEqualTo(DnsResponseCode.FORMERR);
    }

    @Test
    void garbageOverTcp() throws IOException {
        Random random = new Random(SEED);
        for (int i = 0; i < 20; i++) {
            try (Socket s = new Socket()) {
                s.connect(server.address(), 2_000);
                DataOutputStream out = new DataOutputStream(s.getOutputStream());
                byte[] b = new byte[random.nextInt(300)];
                random.nextBytes(b);
                out.writeShort(i % 2 == 0 ? b.length : 65_535);
                out.write(b);
                out.flush();
            }
        }
        assertThat(client.askTcp("0.cache.default.gantry.", DnsRecordType.A).answers())
                .containsExactly("0.cache.default.gantry. A 5 10.0.0.1");
        stillAnswers();
    }
}
