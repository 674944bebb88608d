using System;
using System.Buffers;
using System.Text;
using RedisCluster.Engine.Protocol;

namespace RedisCluster.Engine.Fill
{
    /// <summary>
    /// Encodes one worker's share of the keyspace straight into a connection's send buffer, resuming
    /// where the previous batch stopped. Worker j of c takes rounds j, j+c, j+2c... of its node's slots.
    /// </summary>
    internal sealed class FillWriter
    {
        private static readonly byte[] SetHeader = Encoding.ASCII.GetBytes("*3\r\n$3\r\nSET\r\n");
        private static readonly byte[] MsetName = Encoding.ASCII.GetBytes("$4\r\nMSET\r\n");
        private static readonly byte[] CrLf = { (byte)'\r', (byte)'\n' };

        private readonly FillKeyspace _keys;
        private readonly FillPayload _payload;
        private readonly FillNodePlan _node;
        private readonly bool _mset;
        private readonly int _workers;
        private readonly byte[] _keyHeader;
        private readonly byte[] _valueHeader;
        private readonly int[] _positions;
        private long _round;
        private int _slotIndex;

        public FillWriter(FillKeyspace keys, FillPayload payload, FillNodePlan node, FillCommandShape shape, int worker, int workers, int valueSize)
        {
            _keys = keys;
            _payload = payload;
            _node = node;
            _mset = shape == FillCommandShape.MSet && keys.Group > 1;
            _workers = workers;
            _round = worker;
            _keyHeader = Encoding.ASCII.GetBytes("$" + keys.KeySize + "\r\n");
            _valueHeader = Encoding.ASCII.GetBytes("\r\n$" + valueSize + "\r\n");

            // Where this node's slots fall within each round of groups, ascending, so a round can stop early.
            _positions = new int[node.Slots.Count];
            for (int i = 0; i < _positions.Length; i++)
            {
                _positions[i] = FillKeyspace.PositionOfSlot(node.Slots[i]);
            }

            Array.Sort(_positions);
        }

        public bool Done { get; private set; }

        /// <summary>
        /// Writes commands for at least <paramref name="maxKeys"/> keys (or to the end); returns the number
        /// of commands, and the keys and payload bytes they carry.
        /// </summary>
        public int Write(IBufferWriter<byte> output, int maxKeys, out long keys, out long bytes)
        {
            keys = 0;
            bytes = 0;
            int commands = 0;
            int perKey = _keys.KeySize + _payload.ValueSizeOf;
            while (!Done && keys < maxKeys)
            {
                if (_slotIndex >= _positions.Length)
                {
                    _slotIndex = 0;
                    _round += _workers;
                }

                long group = _round * Cluster.HashSlot.Count + _positions[_slotIndex];
                if (group >= _keys.GroupCount)
                {
                    // Positions are ascending: every later one in this round is past the end too.
                    if (_slotIndex == 0 || _round * Cluster.HashSlot.Count >= _keys.GroupCount)
                    {
                        Done = true;
                        break;
                    }

                    _slotIndex = _positions.Length;
                    continue;
                }

                _slotIndex++;
                long first = group * _keys.Group;
                long count = Math.Min(_keys.Group, _keys.KeyCount - first);
                if (_mset)
                {
                    RespWriter.WriteHeader(output, (byte)'*', 1 + 2 * count);
                    output.Write(MsetName);
                    for (long i = first; i < first + count; i++)
                    {
                        WritePair(output, i);
                    }

                    commands++;
                }
                else
                {
                    for (long i = first; i < first + count; i++)
                    {
                        output.Write(SetHeader);
                        WritePair(output, i);
                        commands++;
                    }
                }

                keys += count;
                bytes += count * perKey;
            }

            return commands;
        }

        private void WritePair(IBufferWriter<byte> output, long index)
        {
            output.Write(_keyHeader);
            Span<byte> key = output.GetSpan(_keys.KeySize);
            _keys.WriteKey(index, key);
            output.Advance(_keys.KeySize);
            output.Write(_valueHeader);
            output.Write(_payload.ValueFor(index));
            output.Write(CrLf);
        }
    }
}
