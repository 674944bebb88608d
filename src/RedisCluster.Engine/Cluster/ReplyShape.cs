using System;
using RedisCluster.Engine.Errors;
using RedisCluster.Engine.Protocol;

namespace RedisCluster.Engine.Cluster
{
    /// <summary>Checks shared by the reply parsers, so a malformed reply fails with the command's name instead of a cast error.</summary>
    internal static class ReplyShape
    {
        public static void RequireAggregate(RespValue reply, string command)
        {
            if (reply == null)
            {
                throw new ArgumentNullException(nameof(reply));
            }

            if (reply.IsError)
            {
                throw new RedisServerErrorException(reply.GetString() ?? string.Empty, command);
            }

            if (!reply.IsAggregate || reply.IsNull)
            {
                throw new RedisException("Unexpected " + command + " reply: expected an array, got " + reply.Type + ".");
            }
        }

        public static long Integer(RespValue value, string command, string what)
        {
            try
            {
                return value.Integer;
            }
            catch (InvalidCastException)
            {
                throw new RedisException("Unexpected " + command + " reply: " + what + " is not a number (" + value + ").");
            }
        }

        public static int Port(RespValue value, string command)
        {
            long port = Integer(value, command, "a port");
            if (port < 0 || port > 65535)
            {
                throw new RedisException("Unexpected " + command + " reply: port " + port + " is out of range.");
            }

            return (int)port;
        }

        public static SlotRange Range(RespValue start, RespValue end, string command)
        {
            long first = Integer(start, command, "a slot");
            long last = Integer(end, command, "a slot");
            if (first < 0 || last < first || last >= SlotRange.SlotCount)
            {
                throw new RedisException("Unexpected " + command + " reply: slot range " + first + "-" + last + " is not within 0-16383.");
            }

            return new SlotRange((int)first, (int)last);
        }
    }
}
