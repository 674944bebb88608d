using RedisCluster.Engine.Protocol;

namespace RedisCluster.Engine.Cluster
{
    /// <summary>
    /// An error reply as a cluster router sees it: its kind from <see cref="ErrorReplyClassifier"/> and, for MOVED and
    /// ASK, the parsed redirect (null when the redirect's text is malformed, so the reply is passed on as it is).
    /// </summary>
    public readonly struct ClusterErrorReply
    {
        private ClusterErrorReply(ErrorReplyKind kind, ClusterRedirect? redirect)
        {
            Kind = kind;
            Redirect = redirect;
        }

        public ErrorReplyKind Kind { get; }

        public ClusterRedirect? Redirect { get; }

        public static ClusterErrorReply Of(RespValue? reply)
        {
            ErrorReplyKind kind = ErrorReplyClassifier.Classify(reply);
            ClusterRedirect? redirect = null;
            if (kind.IsRedirect() && !ClusterRedirect.TryParse(reply!.GetString(), out redirect))
            {
                redirect = null;
            }

            return new ClusterErrorReply(kind, redirect);
        }
    }
}
