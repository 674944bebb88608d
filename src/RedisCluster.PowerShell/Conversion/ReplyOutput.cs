using System.Management.Automation;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Protocol;

namespace RedisCluster.PowerShell.Conversion
{
    /// <summary>How the command-running cmdlets write a reply: errors masked and on the error stream, arrays unrolled.</summary>
    internal static class ReplyOutput
    {
        /// <summary>The reply's value; an error's text with the command's secrets masked, since the server can quote an argument back (ACL SETUSER's bad rule, a key list).</summary>
        public static RespValue Scrubbed(RedisCommand command, RespValue value)
            => value.IsError ? RespValue.Error(command.Scrub(value.GetString() ?? string.Empty)) : value;

        /// <summary>
        /// An error reply as a non-terminating error; any other as its PowerShell value, an array element by element
        /// unless <paramref name="noEnumerate"/> (a map stays one dictionary).
        /// </summary>
        public static void Write(Cmdlet cmdlet, RedisReply reply, RespValue scrubbed, bool asBytes, bool noEnumerate)
        {
            if (scrubbed.IsError)
            {
                cmdlet.WriteError(ServerErrorRecord.For(reply.Command, scrubbed.GetString() ?? string.Empty, reply.Endpoint));
                return;
            }

            object? converted = ReplyConverter.ToObject(scrubbed, asBytes);
            cmdlet.WriteObject(converted, !noEnumerate && scrubbed.IsAggregate && scrubbed.Type != RespType.Map && converted != null);
        }
    }
}
