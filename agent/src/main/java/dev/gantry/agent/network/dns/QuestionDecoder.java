package dev.gantry.agent.network.dns;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.dns.DefaultDnsRecordDecoder;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordDecoder;
import io.netty.handler.codec.dns.DnsRecordType;

/**
 * Netty's record decoder but for questions, which it builds without {@code IDN.toASCII} (a
 * profiled cost on every query; names on the wire are ASCII labels already). Malformed names
 * still fail here (truncation, compression loops), so the message is dropped as before.
 */
final class QuestionDecoder implements DnsRecordDecoder {
    static final QuestionDecoder INSTANCE = new QuestionDecoder();

    private record Question(String name, DnsRecordType type, int dnsClass) implements DnsQuestion {
        @Override
        public long timeToLive() {
            return 0;
        }
    }

    @Override
    public DnsQuestion decodeQuestion(ByteBuf in) {
        String name = DefaultDnsRecordDecoder.decodeName(in);
        DnsRecordType type = DnsRecordType.valueOf(in.readUnsignedShort());
        return new Question(name, type, in.readUnsignedShort());
    }

    @Override
    public <T extends DnsRecord> T decodeRecord(ByteBuf in) throws Exception {
        return DnsRecordDecoder.DEFAULT.decodeRecord(in);
    }
}
