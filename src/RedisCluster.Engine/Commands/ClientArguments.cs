using System;
using System.Collections;
using System.Collections.Generic;

namespace RedisCluster.Engine.Commands
{
    /// <summary>
    /// A client's command's arguments, as the command reader gave them, seen as a <see cref="RedisCommand"/>'s
    /// arguments without copying each into an array of memories: the smart tunnel makes a command of every one
    /// it reads, and that array was a sixth of the bytes a relayed SET allocated.
    /// </summary>
    internal sealed class ClientArguments : IReadOnlyList<ReadOnlyMemory<byte>>
    {
        private readonly byte[][] _arguments;

        public ClientArguments(byte[][] arguments)
        {
            _arguments = arguments;
        }

        public int Count => _arguments.Length;

        public ReadOnlyMemory<byte> this[int index] => _arguments[index];

        public IEnumerator<ReadOnlyMemory<byte>> GetEnumerator()
        {
            foreach (byte[] argument in _arguments)
            {
                yield return argument;
            }
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
