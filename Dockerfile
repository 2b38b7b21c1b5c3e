# The `actors` executable on the official ASP.NET Core runtime image (or any image named by RUNTIME_IMAGE that has
# the ASP.NET Core 10 runtime on PATH as `dotnet`). The build context is the published application:
#   dotnet publish src/Hosting -c Release -o .artifacts/publish && docker-compose build
# (scripts/compose-images does both, with local stand-ins for the base images when no registry is reachable).
ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0
FROM ${RUNTIME_IMAGE}

# /data: --data-dir (the agent remembers its container instance there; nodes on PostgreSQL keep nothing else in it).
RUN mkdir -p /data && chown "${APP_UID:-1654}" /data
COPY .artifacts/publish/ /app/
ENV ACTORS__DATADIR=/data
WORKDIR /app
VOLUME /data
EXPOSE 8080
# The official images' unprivileged user; the agent's container runs as root for the Docker socket.
USER ${APP_UID:-1654}
# Exec form: `dotnet` is PID 1 and gets SIGTERM itself, so a node hands its shards over and leaves the cluster.
ENTRYPOINT ["dotnet", "/app/actors.dll"]
CMD ["help"]
