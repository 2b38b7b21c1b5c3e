// ECS's Attribute shape shares its name with System.Attribute; in tests it always means the ECS one.
global using Attribute = Actors.Domain.ContainerInstances.Attribute;
