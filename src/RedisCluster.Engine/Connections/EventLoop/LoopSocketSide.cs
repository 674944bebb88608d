namespace RedisCluster.Engine.Connections.EventLoop
{
    /// <summary>
    /// One direction (reads or writes) of a <see cref="LoopSocketStream"/>: the edges heard, whether a syscall may find
    /// something (a drained socket waits for the next edge instead of trying), and the operation waiting for that
    /// edge. Guarded by the stream's lock.
    /// </summary>
    internal sealed class LoopSocketSide
    {
        public LoopSocketSide(bool ready)
        {
            Ready = ready;
        }

        private bool _final;

        public int Edges { get; private set; }

        public bool Ready { get; set; }

        /// <summary>The operation waiting for an edge, with the bytes it reads into or writes from.</summary>
        public Parked Waiting { get; private set; }

        public void Park(LoopOperation operation, byte[] buffer, int offset, int count)
            => Waiting = new Parked(operation, buffer, offset, count);

        /// <summary>
        /// An edge: the socket may have something; returns what waited for it (nothing: no operation).
        /// <paramref name="final"/>: the peer hung up or the socket failed, which no later edge will repeat.
        /// </summary>
        public Parked Heard(bool final)
        {
            Edges++;
            Ready = true;
            _final |= final;
            return Take();
        }

        public Parked Take()
        {
            Parked waiting = Waiting;
            Waiting = default;
            return waiting;
        }

        /// <summary>No edge since <paramref name="edges"/>: the syscall found nothing (or took all there was).</summary>
        public void Drained(int edges)
        {
            // After a hang-up a short read is not the end: the data came first, and only the next read sees the end
            // of the stream, for which no edge comes again (a peer that sends its last bytes and closes at once).
            if (Edges == edges && !_final)
            {
                Ready = false;
            }
        }

        /// <summary>An operation that waits for an edge.</summary>
        public readonly struct Parked
        {
            public Parked(LoopOperation operation, byte[] buffer, int offset, int count)
            {
                Operation = operation;
                Buffer = buffer;
                Offset = offset;
                Count = count;
            }

            public LoopOperation? Operation { get; }

            public byte[] Buffer { get; }

            public int Offset { get; }

            public int Count { get; }
        }
    }
}
