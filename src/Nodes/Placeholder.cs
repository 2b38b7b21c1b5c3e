namespace Actors.Nodes; public static class Placeholder {}
