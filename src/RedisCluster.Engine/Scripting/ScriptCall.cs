using System;
using System.Collections.Generic;
using System.Text;
using RedisCluster.Engine.Commands;

namespace RedisCluster.Engine.Scripting
{
    /// <summary>
    /// One run of a script or function with its keys and arguments: the command to send (EVALSHA, EVALSHA_RO,
    /// FCALL, FCALL_RO) and, for a script, the EVAL form to fall back to when the node answers NOSCRIPT.
    /// </summary>
    public sealed class ScriptCall
    {
        private ScriptCall(RedisCommand command, RedisCommand? fallback, int keyCount)
        {
            Command = command;
            Fallback = fallback;
            KeyCount = keyCount;
        }

        public RedisCommand Command { get; }

        /// <summary>EVAL (or EVAL_RO) with the script's text; null for a function.</summary>
        public RedisCommand? Fallback { get; }

        /// <summary>How many keys follow the numkeys argument (argument index 3 on).</summary>
        public int KeyCount { get; }

        public static ScriptCall ForScript(LuaScript script, bool readOnly, IReadOnlyList<ReadOnlyMemory<byte>> keys, IReadOnlyList<ReadOnlyMemory<byte>> arguments)
        {
            RedisCommand bySha = Build(readOnly ? "EVALSHA_RO" : "EVALSHA", Encoding.ASCII.GetBytes(script.Sha1), keys, arguments);
            RedisCommand byText = Build(readOnly ? "EVAL_RO" : "EVAL", script.Body, keys, arguments);
            return new ScriptCall(bySha, byText, keys.Count);
        }

        public static ScriptCall ForFunction(string name, bool readOnly, IReadOnlyList<ReadOnlyMemory<byte>> keys, IReadOnlyList<ReadOnlyMemory<byte>> arguments)
            => new ScriptCall(Build(readOnly ? "FCALL_RO" : "FCALL", Encoding.UTF8.GetBytes(name), keys, arguments), null, keys.Count);

        private static RedisCommand Build(string verb, ReadOnlyMemory<byte> target, IReadOnlyList<ReadOnlyMemory<byte>> keys, IReadOnlyList<ReadOnlyMemory<byte>> arguments)
        {
            var args = new ReadOnlyMemory<byte>[3 + keys.Count + arguments.Count];
            args[0] = Encoding.ASCII.GetBytes(verb);
            args[1] = target;
            args[2] = Encoding.ASCII.GetBytes(keys.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
            for (int i = 0; i < keys.Count; i++)
            {
                args[3 + i] = keys[i];
            }

            for (int i = 0; i < arguments.Count; i++)
            {
                args[3 + keys.Count + i] = arguments[i];
            }

            return new RedisCommand(args);
        }
    }
}
