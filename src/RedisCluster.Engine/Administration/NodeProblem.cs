namespace RedisCluster.Engine.Administration
{
    /// <summary>One node's problem found by a cluster check. Immutable.</summary>
    public sealed class NodeProblem
    {
        public NodeProblem(string nodeId, string endpoint, NodeProblemKind kind, string detail)
        {
            NodeId = nodeId;
            Endpoint = endpoint;
            Kind = kind;
            Detail = detail;
        }

        /// <summary>The node's id; empty when the node could not be asked and no other node named it.</summary>
        public string NodeId { get; }

        public string Endpoint { get; }

        public NodeProblemKind Kind { get; }

        public string Detail { get; }

        public override string ToString() => Endpoint + ": " + Detail;
    }
}
