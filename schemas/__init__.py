"""The school form's column definitions, vocabularies and pandera schemas."""
