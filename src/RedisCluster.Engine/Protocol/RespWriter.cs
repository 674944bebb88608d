using System;
using System.Buffers;
using System.Buffers.Text;
using System.Collections.Generic;
using System.Text;

namespace RedisCluster.Engine.Protocol
{
    /// <summary>Encodes commands (arrays of bulk strings) and reply values onto a buffer writer.</summary>
    public static class RespWriter
    {
        private static readonly byte[] CrLf = { (byte)'\r', (byte)'\n' };

        /// <summary>Writes a command as a RESP array of bulk strings.</summary>
        public static void WriteCommand(IBufferWriter<byte> output, IReadOnlyList<ReadOnlyMemory<byte>> arguments)
        {
            WriteHeader(output, (byte)'*', arguments.Count);
            for (int i = 0; i < arguments.Count; i++)
            {
                WriteBulk(output, arguments[i].Span);
            }
        }

        public static void WriteBulk(IBufferWriter<byte> output, ReadOnlySpan<byte> value)
        {
            WriteHeader(output, (byte)'$', value.Length);
            output.Write(value);
            output.Write(CrLf);
        }

        public static void WriteHeader(IBufferWriter<byte> output, byte marker, long length)
        {
            Span<byte> span = output.GetSpan(24);
            span[0] = marker;
            Utf8Formatter.TryFormat(length, span.Slice(1), out int written);
            span[1 + written] = (byte)'\r';
            span[2 + written] = (byte)'\n';
            output.Advance(written + 3);
        }

        /// <summary>
        /// Writes a reply value for a client speaking <paramref name="protocol"/> (2 or 3). RESP3-only
        /// types are downgraded for RESP2 clients the way Redis itself does.
        /// </summary>
        public static void WriteValue(IBufferWriter<byte> output, RespValue value, int protocol)
        {
            if (protocol >= 3 && value.Attributes != null)
            {
                WriteAggregate(output, (byte)'|', value.Attributes, protocol, 2);
            }

            // Without this a null map, set or push would go out as an empty one: the reader only ever
            // produces null arrays, but callers can build the others with RespValue.Create.
            if (value.IsAggregate && value.IsNull)
            {
                WriteNull(output, protocol, aggregate: true);
                return;
            }

            switch (value.Type)
            {
                case RespType.SimpleString:
                    WriteLine(output, (byte)'+', value.GetBytes()!);
                    return;
                case RespType.Error:
                    WriteLine(output, (byte)'-', value.GetBytes()!);
                    return;
                case RespType.Integer:
                    WriteHeader(output, (byte)':', value.Integer);
                    return;
                case RespType.BulkString:
                    if (value.IsNull)
                    {
                        WriteNull(output, protocol, aggregate: false);
                    }
                    else
                    {
                        WriteBulk(output, value.GetBytes());
                    }

                    return;
                case RespType.Null:
                    WriteNull(output, protocol, aggregate: false);
                    return;
                case RespType.Boolean:
                    if (protocol >= 3)
                    {
                        WriteLine(output, (byte)'#', new[] { value.Boolean ? (byte)'t' : (byte)'f' });
                    }
                    else
                    {
                        WriteHeader(output, (byte)':', value.Boolean ? 1 : 0);
                    }

                    return;
                case RespType.Double:
                    byte[] text = Encoding.ASCII.GetBytes(RespValue.FormatDouble(value.Double));
                    if (protocol >= 3)
                    {
                        WriteLine(output, (byte)',', text);
                    }
                    else
                    {
                        WriteBulk(output, text);
                    }

                    return;
                case RespType.BigNumber:
                    if (protocol >= 3)
                    {
                        WriteLine(output, (byte)'(', value.GetBytes()!);
                    }
                    else
                    {
                        WriteBulk(output, value.GetBytes());
                    }

                    return;
                case RespType.BulkError:
                    if (protocol >= 3)
                    {
                        WriteHeader(output, (byte)'!', value.GetBytes()!.Length);
                        output.Write(value.GetBytes());
                        output.Write(CrLf);
                    }
                    else
                    {
                        // RESP2 errors are single lines; WriteLine flattens the line breaks.
                        WriteLine(output, (byte)'-', value.GetBytes()!);
                    }

                    return;
                case RespType.VerbatimString:
                    if (protocol >= 3)
                    {
                        byte[] content = value.GetBytes()!;
                        byte[] format = Encoding.ASCII.GetBytes((value.VerbatimFormat ?? "txt") + ":");
                        WriteHeader(output, (byte)'=', content.Length + format.Length);
                        output.Write(format);
                        output.Write(content);
                        output.Write(CrLf);
                    }
                    else
                    {
                        WriteBulk(output, value.GetBytes());
                    }

                    return;
                case RespType.Array:
                    WriteAggregate(output, (byte)'*', value, protocol, 1);
                    return;
                case RespType.Set:
                    WriteAggregate(output, protocol >= 3 ? (byte)'~' : (byte)'*', value, protocol, 1);
                    return;
                case RespType.Push:
                    WriteAggregate(output, protocol >= 3 ? (byte)'>' : (byte)'*', value, protocol, 1);
                    return;
                case RespType.Map:
                case RespType.Attribute:
                    // RESP2 clients see maps as flat arrays of alternating keys and values.
                    if (protocol >= 3)
                    {
                        WriteAggregate(output, (byte)'%', value, protocol, 2);
                    }
                    else
                    {
                        WriteHeader(output, (byte)'*', value.Items.Count);
                        foreach (RespValue item in value.Items)
                        {
                            WriteValue(output, item, protocol);
                        }
                    }

                    return;
                default:
                    throw new ArgumentOutOfRangeException(nameof(value), value.Type, "Unknown RESP type");
            }
        }

        private static void WriteAggregate(IBufferWriter<byte> output, byte marker, RespValue value, int protocol, int divisor)
        {
            WriteHeader(output, marker, value.Items.Count / divisor);
            foreach (RespValue item in value.Items)
            {
                WriteValue(output, item, protocol);
            }
        }

        private static void WriteNull(IBufferWriter<byte> output, int protocol, bool aggregate)
        {
            if (protocol >= 3)
            {
                output.Write(new[] { (byte)'_', (byte)'\r', (byte)'\n' });
            }
            else
            {
                WriteHeader(output, aggregate ? (byte)'*' : (byte)'$', -1);
            }
        }

        /// <summary>
        /// Writes a one-line value. A CR or LF in it would end the line early and let the rest be read as
        /// further frames, so they become spaces, as Redis does for error messages.
        /// </summary>
        private static void WriteLine(IBufferWriter<byte> output, byte marker, byte[] line)
        {
            Span<byte> span = output.GetSpan(line.Length + 3);
            span[0] = marker;
            Span<byte> body = span.Slice(1, line.Length);
            line.CopyTo(body);
            for (int i = 0; i < body.Length; i++)
            {
                if (body[i] == (byte)'\r' || body[i] == (byte)'\n')
                {
                    body[i] = (byte)' ';
                }
            }

            span[line.Length + 1] = (byte)'\r';
            span[line.Length + 2] = (byte)'\n';
            output.Advance(line.Length + 3);
        }
    }
}
